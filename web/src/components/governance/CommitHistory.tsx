// The history of a branch, newest first, with "revert" on each commit (a new commit that undoes it).
import { Alert, Button, Empty, Flex, Popconfirm, Skeleton, Tag, Tooltip, Typography } from "antd";
import { useCallback, useEffect, useState } from "react";

import { api, call, type Schemas } from "../../api/client";
import { useFeedback } from "../../feedback";
import { useT, type Messages } from "../../i18n";
import { errorText, firstLine, gateViolations, mergeConflicts, shortId, useTimes, type GateViolation } from "./format";
import { GateReasons } from "./GateReasons";

type Commit = Schemas["CommitPublic"];

const PAGE = 20;

type Key =
  | "empty"
  | "more"
  | "revert"
  | "revertTitle"
  | "revertBody"
  | "revertOk"
  | "cancel"
  | "reverted"
  | "mergeTag"
  | "revertTag"
  | "kitTag"
  | "rootTag"
  | "noRight"
  | "conflicts"
  | "conflictsHelp"
  | "copyId"
  | "retry";

const messages: Messages<Key> = {
  zh: {
    empty: "还没有提交",
    more: "加载更早的提交",
    revert: "撤销",
    revertTitle: "撤销这次提交？",
    revertBody: "将在 {branch} 上新建一个提交，撤销「{message}」带来的改动。原提交仍保留在历史中。",
    revertOk: "撤销提交",
    cancel: "取消",
    reverted: "已撤销，新提交 {commit}",
    mergeTag: "合并",
    revertTag: "撤销提交",
    kitTag: "品牌规范",
    rootTag: "初始化",
    noRight: "你的角色不能修改这个分支",
    conflicts: "无法自动撤销：{n} 项素材在这次提交之后又被修改过",
    conflictsHelp: "请手动恢复这些素材。",
    copyId: "复制提交 ID",
    retry: "重试",
  },
  en: {
    empty: "No commits yet",
    more: "Load older commits",
    revert: "Revert",
    revertTitle: "Revert this commit?",
    revertBody: "A new commit on {branch} will undo the changes of “{message}”. The original stays in the history.",
    revertOk: "Revert commit",
    cancel: "Cancel",
    reverted: "Reverted; new commit {commit}",
    mergeTag: "Merge",
    revertTag: "Revert",
    kitTag: "Brand kit",
    rootTag: "Initial",
    noRight: "Your role cannot change this branch",
    conflicts: "Cannot revert automatically: {n} asset(s) changed after this commit",
    conflictsHelp: "Restore them by hand.",
    copyId: "Copy commit id",
    retry: "Retry",
  },
};

interface Props {
  brandId: string;
  branch: string;
  /** The branch's head when last read (guards the revert against concurrent changes). */
  head: string | null;
  canChange: boolean;
  name: (principal: string | null | undefined) => string;
  onChanged: () => void;
}

export function CommitHistory({ brandId, branch, head, canChange, name, onChanged }: Props) {
  const t = useT(messages);
  const { message } = useFeedback();
  const { when, exact } = useTimes();
  const [commits, setCommits] = useState<Commit[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [blocked, setBlocked] = useState<GateViolation[] | null>(null);
  const [conflicts, setConflicts] = useState<{ paths: string[]; count: number } | null>(null);

  const load = useCallback(
    async (offset: number) => {
      setLoading(true);
      setError(null);
      try {
        const page = await call(
          api.GET("/v1/brands/{brand_id}/commits", {
            params: { path: { brand_id: brandId }, query: { ref: branch, limit: PAGE, offset } },
          }),
        );
        setCommits((current) => (offset === 0 ? page : [...current, ...page]));
        setHasMore(page.length === PAGE);
      } catch (caught) {
        setError(errorText(caught));
      } finally {
        setLoading(false);
      }
    },
    [brandId, branch],
  );

  useEffect(() => {
    setBlocked(null);
    setConflicts(null);
    void load(0);
  }, [load, head]);

  const revert = async (commit: Commit) => {
    setBusy(commit.id);
    setBlocked(null);
    setConflicts(null);
    try {
      const made = await call(
        api.POST("/v1/brands/{brand_id}/reverts", {
          params: { path: { brand_id: brandId } },
          body: { branch, commit: commit.id, parent: 1, expected_head: head ?? undefined },
        }),
      );
      message.success(t("reverted", { commit: shortId(made.id) }));
      onChanged();
    } catch (caught) {
      const violations = gateViolations(caught);
      const clash = mergeConflicts(caught);
      if (violations) setBlocked(violations);
      else if (clash) setConflicts(clash);
      else message.error(errorText(caught));
    } finally {
      setBusy(null);
    }
  };

  if (error)
    return (
      <Alert
        type="error"
        showIcon
        title={error}
        action={
          <Button size="small" onClick={() => void load(0)}>
            {t("retry")}
          </Button>
        }
      />
    );
  if (loading && commits.length === 0) return <Skeleton active paragraph={{ rows: 6 }} />;
  if (commits.length === 0) return <Empty description={t("empty")} />;

  return (
    <Flex vertical gap={12} data-testid="commit-history" data-branch={branch}>
      {blocked && <GateReasons violations={blocked} refused brandId={brandId} />}
      {conflicts && (
        <Alert
          type="error"
          showIcon
          data-testid="revert-conflicts"
          title={t("conflicts", { n: conflicts.count })}
          description={
            <Flex vertical gap={4}>
              <Typography.Text type="secondary">{t("conflictsHelp")}</Typography.Text>
              {conflicts.paths.map((path) => (
                <Typography.Text key={path} code>
                  {path}
                </Typography.Text>
              ))}
            </Flex>
          }
        />
      )}
      <ol style={{ listStyle: "none", margin: 0, padding: 0 }}>
        {commits.map((commit) => (
          <li
            key={commit.id}
            data-testid="commit-row"
            data-commit={commit.id}
            style={{ borderInlineStart: "2px solid #f0f0f0", padding: "6px 0 14px 14px", position: "relative" }}
          >
            <span
              aria-hidden
              style={{ position: "absolute", insetInlineStart: -6, top: 10, width: 10, height: 10, borderRadius: 5, background: commit.parents.length > 1 ? "#c2410c" : "#d9d9d9" }}
            />
            <Flex justify="space-between" gap={8} align="start">
              <Flex vertical gap={2} style={{ minWidth: 0 }}>
                <Typography.Text strong style={{ wordBreak: "break-word" }}>
                  {firstLine(commit.message)}
                </Typography.Text>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {name(commit.author_id)} ·{" "}
                  <Tooltip title={exact(commit.created_at)}>
                    <span>{when(commit.created_at)}</span>
                  </Tooltip>{" "}
                  ·{" "}
                  <Typography.Text code copyable={{ text: commit.id, tooltips: [t("copyId"), "✓"] }} style={{ fontSize: 12 }}>
                    {shortId(commit.id)}
                  </Typography.Text>
                </Typography.Text>
                <Flex gap={4} wrap>
                  {commit.parents.length > 1 && <Tag color="orange">{t("mergeTag")}</Tag>}
                  {commit.meta.reverts !== undefined && <Tag color="purple">{t("revertTag")}</Tag>}
                  {commit.meta.brand_kit === true && <Tag color="magenta">{t("kitTag")}</Tag>}
                  {commit.parents.length === 0 && <Tag>{t("rootTag")}</Tag>}
                </Flex>
              </Flex>
              {commit.parents.length > 0 && (
                <Popconfirm
                  title={t("revertTitle")}
                  description={<div style={{ maxWidth: 280 }}>{t("revertBody", { branch, message: firstLine(commit.message) })}</div>}
                  okText={t("revertOk")}
                  cancelText={t("cancel")}
                  okButtonProps={{ danger: true, "data-testid": "revert-confirm" }}
                  onConfirm={() => revert(commit)}
                  disabled={!canChange}
                >
                  <Tooltip title={canChange ? undefined : t("noRight")}>
                    <Button size="small" loading={busy === commit.id} disabled={!canChange} data-testid="revert-button">
                      {t("revert")}
                    </Button>
                  </Tooltip>
                </Popconfirm>
              )}
            </Flex>
          </li>
        ))}
      </ol>
      {hasMore && (
        <Button onClick={() => void load(commits.length)} loading={loading} block>
          {t("more")}
        </Button>
      )}
    </Flex>
  );
}
