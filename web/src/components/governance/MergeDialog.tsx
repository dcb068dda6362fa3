// Merge one ref into a branch: preview (changes, the gate's pre-check, conflicts), confirm, then the result
// or the gate's reasons. Used from the branch list and from the compare view.
import { Alert, Button, Descriptions, Flex, Input, Modal, Result, Skeleton, Tag, Typography } from "antd";
import { useCallback, useEffect, useState } from "react";

import { api, call, type Schemas } from "../../api/client";
import { useT, type Messages } from "../../i18n";
import { errorText, gateViolations, MAIN, mergeConflicts, shortId } from "./format";
import { GateReasons } from "./GateReasons";
import { STATUS_COLORS, useGovLabels } from "./labels";

type Preview = Schemas["MergePreview"];
type Merged = Schemas["MergePublic"];

const SHOWN_CHANGES = 8;

type Key =
  | "title"
  | "intro"
  | "how"
  | "changes"
  | "gate"
  | "gatePass"
  | "gateBlock"
  | "noGate"
  | "fast_forward"
  | "merge"
  | "up_to_date"
  | "conflict"
  | "upToDate"
  | "conflicts"
  | "conflictsHelp"
  | "message"
  | "confirm"
  | "cancel"
  | "done"
  | "merged"
  | "mergedSub"
  | "nothing"
  | "more"
  | "previewFailed"
  | "retry"
  | "failed";

const messages: Messages<Key> = {
  zh: {
    title: "合并分支",
    intro: "把 {source} 的改动合并到 {target}。",
    how: "合并方式",
    changes: "{target} 上的变更",
    gate: "门禁预检",
    gatePass: "全部通过，可以合并",
    gateBlock: "{n} 项未通过",
    noGate: "无（仅主干有门禁）",
    fast_forward: "快进合并",
    merge: "三方合并（生成合并提交）",
    up_to_date: "已是最新",
    conflict: "有冲突",
    upToDate: "{target} 已包含 {source} 的全部改动，无需合并。",
    conflicts: "{n} 项素材在两边都被修改，无法自动合并",
    conflictsHelp: "请先在分支上处理这些素材（保留一方的版本），再合并。",
    message: "合并说明（可选）",
    confirm: "确认合并",
    cancel: "取消",
    done: "完成",
    merged: "已合并到 {target}",
    mergedSub: "{how} · {n} 项变更 · 提交 {commit}",
    nothing: "没有需要合并的改动",
    more: "以及另外 {n} 项",
    previewFailed: "无法预览这次合并",
    retry: "重新预览",
    failed: "合并失败",
  },
  en: {
    title: "Merge branch",
    intro: "Bring the changes of {source} into {target}.",
    how: "Merge type",
    changes: "Changes on {target}",
    gate: "Gate pre-check",
    gatePass: "All clear, ready to merge",
    gateBlock: "{n} blocked",
    noGate: "None (only main is gated)",
    fast_forward: "Fast-forward",
    merge: "Three-way (a merge commit)",
    up_to_date: "Up to date",
    conflict: "Conflicts",
    upToDate: "{target} already has every change of {source}; nothing to merge.",
    conflicts: "{n} asset(s) changed on both sides and cannot merge automatically",
    conflictsHelp: "Settle them on the branch first (keep one side's version), then merge.",
    message: "Merge note (optional)",
    confirm: "Merge",
    cancel: "Cancel",
    done: "Done",
    merged: "Merged into {target}",
    mergedSub: "{how} · {n} change(s) · commit {commit}",
    nothing: "Nothing to merge",
    more: "and {n} more",
    previewFailed: "Cannot preview this merge",
    retry: "Preview again",
    failed: "The merge failed",
  },
};

interface Props {
  brandId: string;
  /** The ref to merge; null closes the dialog. */
  source: string | null;
  target?: string;
  onClose: () => void;
  /** Called after a merge landed (refresh lists). */
  onMerged?: (merged: Merged) => void;
}

function ChangeList({ changes, more }: { changes: Preview["changes"]; more: (n: number) => string }) {
  const { label } = useGovLabels();
  return (
    <Flex vertical gap={4}>
      {changes.slice(0, SHOWN_CHANGES).map((change) => (
        <Flex key={change.path} gap={8} align="baseline">
          <Tag color={STATUS_COLORS[change.status]}>{label(change.status)}</Tag>
          <Typography.Text style={{ wordBreak: "break-all" }}>{change.path}</Typography.Text>
        </Flex>
      ))}
      {changes.length > SHOWN_CHANGES && <Typography.Text type="secondary">{more(changes.length - SHOWN_CHANGES)}</Typography.Text>}
    </Flex>
  );
}

export function MergeDialog({ brandId, source, target = MAIN, onClose, onMerged }: Props) {
  const t = useT(messages);
  const { label } = useGovLabels();
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [note, setNote] = useState("");
  const [merging, setMerging] = useState(false);
  const [merged, setMerged] = useState<Merged | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    setMerged(null);
    setFailure(null);
    setNote("");
  }, [source, target]);

  useEffect(() => {
    setPreview(null);
    setPreviewError(null);
    if (!source) return undefined;
    let live = true;
    setLoading(true);
    call(api.POST("/v1/brands/{brand_id}/merge-preview", { params: { path: { brand_id: brandId } }, body: { source, target } }))
      .then((result) => live && setPreview(result))
      .catch((caught: unknown) => live && setPreviewError(errorText(caught)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [brandId, source, target, tick]);

  const reload = useCallback(() => {
    setFailure(null);
    setTick((n) => n + 1);
  }, []);

  const confirm = async () => {
    if (!source) return;
    setMerging(true);
    setFailure(null);
    try {
      const result = await call(
        api.POST("/v1/brands/{brand_id}/merges", {
          params: { path: { brand_id: brandId } },
          body: {
            source,
            target,
            message: note.trim() || undefined,
            expected_target_head: preview?.target_head,
          },
        }),
      );
      setMerged(result);
      onMerged?.(result);
    } catch (caught) {
      setFailure(caught);
    } finally {
      setMerging(false);
    }
  };

  const refusal = gateViolations(failure);
  const conflicts = mergeConflicts(failure);
  const violations = refusal ?? (preview && !merged ? preview.violations : []);
  const conflictPaths = conflicts?.paths ?? (preview?.outcome === "conflict" ? preview.conflicts : []);
  const conflictCount = conflicts?.count ?? preview?.conflict_count ?? 0;
  const otherFailure = failure && !refusal && !conflicts ? errorText(failure) : null;
  const upToDate = preview?.outcome === "up_to_date";
  const counts = (preview?.changes ?? []).reduce<Record<string, number>>((acc, change) => {
    acc[change.status] = (acc[change.status] ?? 0) + 1;
    return acc;
  }, {});

  const footer = merged
    ? [
        <Button key="done" type="primary" onClick={onClose} data-testid="merge-done">
          {t("done")}
        </Button>,
      ]
    : [
        <Button key="cancel" onClick={onClose}>
          {t("cancel")}
        </Button>,
        <Button
          key="confirm"
          type="primary"
          loading={merging}
          disabled={loading || upToDate || conflictPaths.length > 0}
          onClick={() => void confirm()}
          data-testid="merge-confirm"
        >
          {t("confirm")}
        </Button>,
      ];

  return (
    <Modal
      open={source !== null}
      title={t("title")}
      onCancel={onClose}
      footer={footer}
      width={640}
      destroyOnHidden
      data-testid="merge-dialog"
    >
      {merged ? (
        <Result
          status={merged.outcome === "up_to_date" ? "info" : "success"}
          data-testid="merge-result"
          data-outcome={merged.outcome}
          title={merged.outcome === "up_to_date" ? t("nothing") : t("merged", { target })}
          subTitle={
            merged.outcome === "up_to_date"
              ? undefined
              : t("mergedSub", { how: t(merged.outcome), n: merged.changes.length, commit: shortId(merged.commit.id) })
          }
        >
          {merged.changes.length > 0 && <ChangeList changes={merged.changes} more={(n) => t("more", { n })} />}
        </Result>
      ) : (
        <Flex vertical gap={16}>
          <Typography.Paragraph style={{ margin: 0 }}>
            {t("intro", { source: source ?? "", target })}
          </Typography.Paragraph>
          {loading && <Skeleton active paragraph={{ rows: 3 }} />}
          {previewError && (
            <Alert
              type="error"
              showIcon
              title={t("previewFailed")}
              description={previewError}
              action={
                <Button size="small" onClick={reload}>
                  {t("retry")}
                </Button>
              }
            />
          )}
          {preview && (
            <Descriptions size="small" column={1} bordered data-testid="merge-preview">
              <Descriptions.Item label={t("how")}>{t(preview.outcome)}</Descriptions.Item>
              {!upToDate && (
                <Descriptions.Item label={t("changes", { target })}>
                  <Flex vertical gap={8}>
                    <Flex gap={4} wrap>
                      {(["added", "modified", "deleted"] as const)
                        .filter((status) => counts[status])
                        .map((status) => (
                          <Tag key={status} color={STATUS_COLORS[status]}>
                            {label(status)} {counts[status]}
                          </Tag>
                        ))}
                    </Flex>
                    <ChangeList changes={preview.changes} more={(n) => t("more", { n })} />
                  </Flex>
                </Descriptions.Item>
              )}
              {!upToDate && preview.outcome !== "conflict" && (
                <Descriptions.Item label={t("gate")}>
                  {target !== MAIN ? (
                    t("noGate")
                  ) : preview.violations.length === 0 ? (
                    <Typography.Text type="success">{t("gatePass")}</Typography.Text>
                  ) : (
                    <Typography.Text type="danger">{t("gateBlock", { n: preview.violations.length })}</Typography.Text>
                  )}
                </Descriptions.Item>
              )}
            </Descriptions>
          )}
          {upToDate && <Alert type="info" showIcon title={t("upToDate", { source: source ?? "", target })} />}
          {conflictPaths.length > 0 && (
            <Alert
              type="error"
              showIcon
              data-testid="merge-conflicts"
              title={t("conflicts", { n: conflictCount })}
              description={
                <Flex vertical gap={4}>
                  <Typography.Text type="secondary">{t("conflictsHelp")}</Typography.Text>
                  {conflictPaths.map((path) => (
                    <Typography.Text key={path} code style={{ wordBreak: "break-all" }}>
                      {path}
                    </Typography.Text>
                  ))}
                </Flex>
              }
            />
          )}
          {violations.length > 0 && (
            <GateReasons
              violations={violations}
              refused={refusal !== null}
              brandId={brandId}
              branch={source !== MAIN ? source : null}
              onSubmitted={reload}
            />
          )}
          {otherFailure && (
            <Alert
              type="error"
              showIcon
              data-testid="merge-error"
              title={t("failed")}
              description={otherFailure}
              action={
                <Button size="small" onClick={reload}>
                  {t("retry")}
                </Button>
              }
            />
          )}
          {!upToDate && (
            <Input.TextArea
              aria-label={t("message")}
              placeholder={`${t("message")} · Merge ${source ?? ""} into ${target}`}
              value={note}
              maxLength={5000}
              autoSize={{ minRows: 1, maxRows: 4 }}
              onChange={(event) => setNote(event.target.value)}
              data-testid="merge-message"
            />
          )}
          {preview && preview.source_head && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {source} @ {shortId(preview.source_head)} → {target} @ {shortId(preview.target_head)}
              {preview.changes.length === 0 && !upToDate ? ` · ${t("nothing")}` : ""}
            </Typography.Text>
          )}
        </Flex>
      )}
    </Modal>
  );
}

