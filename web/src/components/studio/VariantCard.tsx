// One variant: its compliance badge, copy (editable, re-checked), poster renditions (editable through
// the layered spec), or video; select it for saving, or regenerate it.
import {
  EditOutlined,
  ExpandOutlined,
  FormatPainterOutlined,
  SafetyCertificateOutlined,
  SyncOutlined,
} from "@ant-design/icons";
import { Alert, Button, Card, Checkbox, Flex, Input, Progress, Segmented, Tag, Tooltip, Typography } from "antd";
import { useState } from "react";

import { api, ApiError, call } from "../../api/client";
import { useFeedback } from "../../feedback";
import { useT, type Messages } from "../../i18n";
import { useBrandId } from "../../session";
import { ComplianceBadge, FindingsList } from "./ComplianceBadge";
import { assess, type FindingLike, type Rendition, type Variant, type Verdict } from "./model";
import { CopyView, LargePoster, Poster, Video } from "./VariantMedia";

/** A compliance check's answer, as far as the card uses it. */
export interface Check {
  verdict: string;
  findings: FindingLike[];
  rewrite?: string | null;
}

/** A rendition after an edit: read it at `ref` (the edit's commit); its check replaces the job's. */
export interface PosterState {
  ref: string;
  verdict: Verdict;
  status: string;
  findings: FindingLike[];
}

export interface CopyEdit {
  text: string;
  check: Check;
}

type Key =
  | "select"
  | "regenerate"
  | "regenerating"
  | "editCopy"
  | "editPoster"
  | "recheck"
  | "cancel"
  | "saved"
  | "edited"
  | "rewritten"
  | "flagged"
  | "enlarge"
  | "checkVideo"
  | "empty"
  | "copyLabel"
  | "useRewrite"
  | "stillBad"
  | "sizes";

const messages: Messages<Key> = {
  zh: {
    select: "选择第 {n} 条",
    regenerate: "换一条",
    regenerating: "正在重新生成…",
    editCopy: "改文案",
    editPoster: "改海报",
    recheck: "检测并保留修改",
    cancel: "取消",
    saved: "修改已保留，保存到分支时会一并提交",
    edited: "已修改",
    rewritten: "已自动修正",
    flagged: "待处理",
    enlarge: "查看大图",
    checkVideo: "检测视频",
    empty: "文案为空",
    copyLabel: "第 {n} 条文案",
    useRewrite: "采用建议改写",
    stillBad: "修改后的文案仍有问题",
    sizes: "海报尺寸",
  },
  en: {
    select: "Select variant {n}",
    regenerate: "Regenerate",
    regenerating: "Regenerating…",
    editCopy: "Edit copy",
    editPoster: "Edit poster",
    recheck: "Check and keep",
    cancel: "Cancel",
    saved: "Edit kept: it is committed when you save to a branch",
    edited: "Edited",
    rewritten: "Auto-fixed",
    flagged: "Needs work",
    enlarge: "View large",
    checkVideo: "Check video",
    empty: "The copy is empty",
    copyLabel: "Copy of variant {n}",
    useRewrite: "Use the suggested rewrite",
    stillBad: "The edited copy still has findings",
    sizes: "Poster size",
  },
};

function errorText(e: unknown): string {
  return e instanceof ApiError ? e.message : String(e);
}

export function VariantCard({
  variant,
  number,
  selected,
  onSelect,
  copyEdit,
  onCopyEdit,
  posters,
  onEditPoster,
  onRegenerate,
  regenerating,
  industry,
}: {
  variant: Variant;
  number: number;
  selected: boolean;
  onSelect: (on: boolean) => void;
  copyEdit?: CopyEdit;
  onCopyEdit: (edit: CopyEdit) => void;
  posters: Record<string, PosterState>;
  onEditPoster: (rendition: Rendition, at: string) => void;
  onRegenerate: () => void;
  /** Progress in [0, 1] while a regeneration of this card runs. */
  regenerating: number | null;
  industry: string | null;
}) {
  const t = useT(messages);
  const { message } = useFeedback();
  const brandId = useBrandId();
  const [editing, setEditing] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [size, setSize] = useState(0);
  const [large, setLarge] = useState(false);
  const [videoCheck, setVideoCheck] = useState<Check | null>(null);

  const branch = variant.branch ?? "main";
  const rendition = variant.poster?.renditions[Math.min(size, (variant.poster?.renditions.length ?? 1) - 1)];
  const renditionState = rendition?.path ? posters[rendition.path] : undefined;
  const at = renditionState?.ref ?? branch;

  const assessed = assess(variant, copyEdit?.check, posters);
  const verdict = variant.video ? (videoCheck?.verdict as Verdict | undefined) : assessed.verdict;
  const findings = variant.video ? (videoCheck?.findings ?? []) : assessed.findings;

  const recheck = async () => {
    if (editing === null) return;
    if (!editing.trim()) {
      setProblem(t("empty"));
      return;
    }
    setChecking(true);
    setProblem(null);
    try {
      const check = await call(
        api.POST("/v1/compliance/check", {
          body: { text: editing, platform: variant.platform, industry, brand_id: brandId, depth: "full" },
        }),
      );
      onCopyEdit({ text: editing, check });
      setEditing(null);
      message.success(t("saved"));
    } catch (e) {
      setProblem(errorText(e));
    } finally {
      setChecking(false);
    }
  };

  const checkVideo = async () => {
    if (!variant.video) return;
    setChecking(true);
    setProblem(null);
    try {
      setVideoCheck(
        await call(
          api.POST("/v1/compliance/check", {
            body: {
              brand_id: brandId,
              platform: variant.platform,
              industry,
              asset: { path: variant.video.path, ref: branch },
              depth: "full",
            },
          }),
        ),
      );
    } catch (e) {
      setProblem(errorText(e));
    } finally {
      setChecking(false);
    }
  };

  const status = variant.copy?.status === "flagged" || variant.poster?.status === "flagged" ? "flagged" : variant.copy?.status;
  return (
    <Card
      size="small"
      data-testid="variant-card"
      data-variant={variant.key}
      data-platform={variant.platform}
      style={{ height: "100%", borderColor: selected ? "#c2410c" : undefined, boxShadow: selected ? "0 0 0 1px #c2410c" : undefined }}
      styles={{ body: { display: "flex", flexDirection: "column", gap: 10 } }}
      title={
        <Flex gap={8} align="center" wrap>
          <Checkbox
            checked={selected}
            onChange={(e) => onSelect(e.target.checked)}
            aria-label={t("select", { n: number })}
            data-testid="variant-select"
          />
          <Typography.Text strong>#{number}</Typography.Text>
          <ComplianceBadge verdict={verdict} findings={findings} />
          {copyEdit ? <Tag color="blue">{t("edited")}</Tag> : null}
          {status === "rewritten" ? <Tag>{t("rewritten")}</Tag> : null}
          {status === "flagged" ? <Tag color="red">{t("flagged")}</Tag> : null}
        </Flex>
      }
      extra={
        <Tooltip title={t("regenerate")}>
          <Button
            type="text"
            size="small"
            icon={<SyncOutlined spin={regenerating !== null} />}
            aria-label={t("regenerate")}
            disabled={regenerating !== null}
            onClick={onRegenerate}
            data-testid="variant-regenerate"
          />
        </Tooltip>
      }
    >
      {regenerating !== null ? (
        <Flex vertical gap={4} data-testid="variant-regenerating">
          <Typography.Text type="secondary">{t("regenerating")}</Typography.Text>
          <Progress percent={Math.round(regenerating * 100)} size="small" />
        </Flex>
      ) : null}
      {problem ? <Alert type="error" showIcon title={problem} closable={{ onClose: () => setProblem(null) }} /> : null}
      {variant.poster && rendition?.path ? (
        <Flex vertical gap={6}>
          <Poster path={rendition.path} at={at} width={rendition.width} height={rendition.height} />
          <Flex justify="space-between" align="center" wrap gap={6}>
            {variant.poster.renditions.length > 1 ? (
              <Segmented
                size="small"
                aria-label={t("sizes")}
                value={size}
                options={variant.poster.renditions.map((r, i) => ({ value: i, label: `${r.width}×${r.height}` }))}
                onChange={(value) => setSize(value as number)}
              />
            ) : (
              <span />
            )}
            <Flex gap={4}>
              <Button size="small" icon={<ExpandOutlined />} onClick={() => setLarge(true)} aria-label={t("enlarge")} />
              <Button size="small" icon={<FormatPainterOutlined />} onClick={() => onEditPoster(rendition, at)} data-testid="variant-edit-poster">
                {t("editPoster")}
              </Button>
            </Flex>
          </Flex>
          {large ? <LargePoster path={rendition.path} at={at} onClose={() => setLarge(false)} /> : null}
        </Flex>
      ) : null}
      {variant.video ? (
        <Flex vertical gap={6}>
          <Video path={variant.video.path} cover={variant.video.cover} at={branch} duration={variant.video.duration} />
          {!videoCheck ? (
            <Button size="small" icon={<SafetyCertificateOutlined />} loading={checking} onClick={() => void checkVideo()} data-testid="variant-check-video">
              {t("checkVideo")}
            </Button>
          ) : (
            <FindingsList findings={videoCheck.findings} />
          )}
        </Flex>
      ) : null}
      {variant.copy ? (
        editing !== null ? (
          <Flex vertical gap={6}>
            <Input.TextArea
              aria-label={t("copyLabel", { n: number })}
              value={editing}
              onChange={(e) => setEditing(e.target.value)}
              autoSize={{ minRows: 4, maxRows: 14 }}
              maxLength={5000}
              data-testid="variant-copy-input"
            />
            <Flex gap={6} justify="flex-end">
              <Button size="small" onClick={() => setEditing(null)}>
                {t("cancel")}
              </Button>
              <Button size="small" type="primary" loading={checking} onClick={() => void recheck()} data-testid="variant-copy-recheck">
                {t("recheck")}
              </Button>
            </Flex>
          </Flex>
        ) : (
          <>
            <CopyView variant={variant} edit={copyEdit} />
            {copyEdit && copyEdit.check.verdict !== "pass" ? (
              <Alert
                type={copyEdit.check.verdict === "block" ? "error" : "warning"}
                showIcon
                title={t("stillBad")}
                description={<FindingsList findings={copyEdit.check.findings} />}
                action={
                  copyEdit.check.rewrite ? (
                    <Button size="small" onClick={() => setEditing(copyEdit.check.rewrite ?? "")} data-testid="variant-use-rewrite">
                      {t("useRewrite")}
                    </Button>
                  ) : undefined
                }
                data-testid="variant-copy-findings"
              />
            ) : null}
            <Flex justify="flex-end">
              <Button
                size="small"
                type="text"
                icon={<EditOutlined />}
                onClick={() => setEditing(copyEdit?.text ?? variant.copy?.text ?? "")}
                data-testid="variant-edit-copy"
              >
                {t("editCopy")}
              </Button>
            </Flex>
          </>
        )
      ) : null}
    </Card>
  );
}
