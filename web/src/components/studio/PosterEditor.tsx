// Edit a poster rendition's words and layout through its layered spec, then re-render and re-check it.
import { ReloadOutlined } from "@ant-design/icons";
import { Alert, Button, Col, Flex, Input, InputNumber, Modal, Row, Segmented, Skeleton, Switch, Typography } from "antd";
import { useEffect, useState } from "react";

import { api, ApiError, call, fetchBlob } from "../../api/client";
import { useObjectUrl } from "../../api/useObjectUrl";
import { useFeedback } from "../../feedback";
import { useT, type Messages } from "../../i18n";
import { useBrandId } from "../../session";
import { rawPath } from "./assets";
import { ComplianceBadge, FindingsList } from "./ComplianceBadge";
import type { FindingLike, Platform, Rendition, Verdict } from "./model";

/** The re-rendered rendition, as far as the studio uses it. */
export interface PosterEdit {
  branch: string;
  commit_id: string;
  path: string;
  verdict: Verdict;
  status: string;
  findings: FindingLike[];
}

type Align = "left" | "center" | "right";

interface LayerDraft {
  name: string;
  text: string;
  size: number;
  align: Align;
  hidden: boolean;
  original: { text: string; size: number; align: Align };
}

const SLOT_KEYS = ["headline", "subhead", "selling_points", "price", "cta", "disclaimer"] as const;
type SlotKey = (typeof SLOT_KEYS)[number];

const messages: Messages<
  | "title"
  | SlotKey
  | "text"
  | "size"
  | "align"
  | "left"
  | "center"
  | "right"
  | "show"
  | "render"
  | "cancel"
  | "loading"
  | "noText"
  | "done"
  | "unchanged"
  | "hint"
  | "findings"
> = {
  zh: {
    title: "编辑海报 · {size}",
    headline: "主标题",
    subhead: "副标题",
    selling_points: "卖点",
    price: "价格",
    cta: "行动号召",
    disclaimer: "免责声明",
    text: "文字",
    size: "字号（像素）",
    align: "对齐",
    left: "左",
    center: "中",
    right: "右",
    show: "显示",
    render: "重新渲染并检测",
    cancel: "关闭",
    loading: "正在读取海报图层…",
    noText: "这张海报没有可编辑的文字图层",
    done: "已重新渲染，并保存为生成分支上的新版本",
    unchanged: "还没有修改任何图层",
    hint: "文字放不下时会自动缩小字号；指定字号则严格按字号排版。",
    findings: "检测结果",
  },
  en: {
    title: "Edit poster · {size}",
    headline: "Headline",
    subhead: "Sub-head",
    selling_points: "Selling points",
    price: "Price",
    cta: "Call to action",
    disclaimer: "Disclaimer",
    text: "Text",
    size: "Size (px)",
    align: "Align",
    left: "Left",
    center: "Centre",
    right: "Right",
    show: "Show",
    render: "Re-render and check",
    cancel: "Close",
    loading: "Reading the poster's layers…",
    noText: "This poster has no editable text layers",
    done: "Re-rendered and saved as a new version on the generation branch",
    unchanged: "No layer changed yet",
    hint: "Text that no longer fits is set smaller; a size you give is kept exactly.",
    findings: "Check",
  },
};

interface SpecTextLayer {
  kind: string;
  name: string;
  text?: string;
  size?: number;
  align?: Align;
}

function draftsOf(document: unknown): LayerDraft[] {
  const layers = ((document as { spec?: { layers?: SpecTextLayer[] } }).spec?.layers ?? []).filter(
    (layer) => layer.kind === "text",
  );
  return layers.map((layer) => {
    const original = { text: layer.text ?? "", size: layer.size ?? 32, align: layer.align ?? "center" };
    return { name: layer.name, ...original, hidden: false, original };
  });
}

function changed(layer: LayerDraft): boolean {
  return (
    layer.hidden ||
    layer.text !== layer.original.text ||
    layer.size !== layer.original.size ||
    layer.align !== layer.original.align
  );
}

function Preview({ path }: { path: string | null }) {
  const { url, error } = useObjectUrl(path);
  if (error) return <Alert type="error" showIcon title={error} />;
  if (!url) return <Skeleton.Image active style={{ width: "100%", height: 320 }} />;
  return <img src={url} alt="" style={{ width: "100%", borderRadius: 8, border: "1px solid #f0f0f0" }} data-testid="poster-editor-preview" />;
}

export function PosterEditor({
  rendition,
  branch,
  at,
  platform,
  industry,
  onClose,
  onEdited,
}: {
  rendition: Rendition;
  branch: string;
  /** The ref to read the rendition at (its latest edit's commit, else the branch). */
  at: string;
  platform: Platform;
  industry: string | null;
  onClose: () => void;
  onEdited: (edit: PosterEdit) => void;
}) {
  const t = useT(messages);
  const { message } = useFeedback();
  const brandId = useBrandId();
  const [drafts, setDrafts] = useState<LayerDraft[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [last, setLast] = useState<PosterEdit | null>(null);
  const [ref, setRef] = useState(at);

  const specPath = rendition.specPath;
  useEffect(() => {
    if (!specPath) return undefined;
    const controller = new AbortController();
    fetchBlob(rawPath(brandId, specPath, at), controller.signal)
      .then((blob) => blob.text())
      .then((text) => setDrafts(draftsOf(JSON.parse(text))))
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setLoadError(e instanceof ApiError ? e.message : String(e));
      });
    return () => controller.abort();
  }, [brandId, specPath, at]);

  const update = (name: string, patch: Partial<LayerDraft>) =>
    setDrafts((all) => (all ?? []).map((layer) => (layer.name === name ? { ...layer, ...patch } : layer)));

  const render = async () => {
    if (!drafts || !specPath) return;
    const edits = drafts.filter(changed).map((layer) => ({
      name: layer.name,
      text: layer.text.trim() && layer.text !== layer.original.text ? layer.text.trim() : null,
      size: layer.size !== layer.original.size ? layer.size : null,
      align: layer.align !== layer.original.align ? layer.align : null,
      hidden: layer.hidden,
    }));
    if (edits.length === 0) {
      message.info(t("unchanged"));
      return;
    }
    setSaving(true);
    setError(null);
    try {
      const edit = await call(
        api.POST("/v1/brands/{brand_id}/poster-edits", {
          params: { path: { brand_id: brandId } },
          body: { spec_path: specPath, ref: branch, branch, layers: edits, platform, industry },
        }),
      );
      setLast(edit);
      setRef(edit.commit_id);
      setDrafts((all) =>
        (all ?? []).map((layer) => ({
          ...layer,
          original: { text: layer.text, size: layer.size, align: layer.align },
        })),
      );
      onEdited(edit);
      message.success(t("done"));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setSaving(false);
    }
  };

  const label = (name: string) => ((SLOT_KEYS as readonly string[]).includes(name) ? t(name as SlotKey) : name);

  return (
    <Modal
      open
      width={960}
      title={t("title", { size: `${rendition.width}×${rendition.height}` })}
      onCancel={onClose}
      destroyOnHidden
      footer={[
        <Button key="close" onClick={onClose}>
          {t("cancel")}
        </Button>,
        <Button
          key="render"
          type="primary"
          icon={<ReloadOutlined />}
          loading={saving}
          disabled={!drafts || drafts.length === 0}
          onClick={() => void render()}
          data-testid="poster-render"
        >
          {t("render")}
        </Button>,
      ]}
    >
      <Row gutter={[16, 16]} data-testid="poster-editor">
        <Col xs={24} md={10}>
          <Preview path={rendition.path ? rawPath(brandId, rendition.path, ref) : null} />
          {last ? (
            <Flex vertical gap={6} style={{ marginTop: 12 }}>
              <Flex gap={8} align="center">
                <Typography.Text strong>{t("findings")}</Typography.Text>
                <ComplianceBadge verdict={last.verdict} findings={last.findings} />
              </Flex>
              <FindingsList findings={last.findings} />
            </Flex>
          ) : null}
        </Col>
        <Col xs={24} md={14}>
          {error ? <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="poster-edit-error" /> : null}
          {loadError ? <Alert type="error" showIcon title={loadError} /> : null}
          {!drafts && !loadError ? <Skeleton active paragraph={{ rows: 6 }} /> : null}
          {drafts && drafts.length === 0 ? <Alert type="info" title={t("noText")} /> : null}
          <Flex vertical gap={16}>
            {(drafts ?? []).map((layer) => (
              <Flex key={layer.name} vertical gap={6} data-testid={`poster-layer-${layer.name}`}>
                <Flex justify="space-between" align="center">
                  <Typography.Text strong>{label(layer.name)}</Typography.Text>
                  <Flex gap={6} align="center">
                    <Typography.Text type="secondary">{t("show")}</Typography.Text>
                    <Switch
                      size="small"
                      checked={!layer.hidden}
                      aria-label={`${t("show")} ${label(layer.name)}`}
                      onChange={(on) => update(layer.name, { hidden: !on })}
                    />
                  </Flex>
                </Flex>
                <Input.TextArea
                  aria-label={`${label(layer.name)} ${t("text")}`}
                  value={layer.text}
                  disabled={layer.hidden}
                  autoSize={{ minRows: 1, maxRows: 5 }}
                  maxLength={500}
                  onChange={(e) => update(layer.name, { text: e.target.value })}
                />
                <Flex gap={12} wrap align="center">
                  <Flex gap={6} align="center">
                    <Typography.Text type="secondary">{t("size")}</Typography.Text>
                    <InputNumber
                      aria-label={`${label(layer.name)} ${t("size")}`}
                      size="small"
                      min={8}
                      max={600}
                      value={layer.size}
                      disabled={layer.hidden}
                      onChange={(size) => size && update(layer.name, { size })}
                    />
                  </Flex>
                  <Segmented
                    size="small"
                    aria-label={`${label(layer.name)} ${t("align")}`}
                    disabled={layer.hidden}
                    value={layer.align}
                    options={[
                      { value: "left", label: t("left") },
                      { value: "center", label: t("center") },
                      { value: "right", label: t("right") },
                    ]}
                    onChange={(align) => update(layer.name, { align: align as Align })}
                  />
                </Flex>
              </Flex>
            ))}
          </Flex>
          <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
            {t("hint")}
          </Typography.Paragraph>
        </Col>
      </Row>
    </Modal>
  );
}
