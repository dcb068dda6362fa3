// The brand's logos: a preview of each (from the repository, or the file just uploaded), its path and the
// size rules the poster checks apply; "upload" stores the image and adds a row (committed with the kit).
import { DeleteOutlined, UploadOutlined } from "@ant-design/icons";
import { Button, Col, Empty, Flex, Form, Input, InputNumber, Row, Spin, Switch, Tag, Tooltip, Upload } from "antd";
import { useState } from "react";

import { useObjectUrl } from "../../api/useObjectUrl";
import { errorText, previewUrl } from "../../components/governance/format";
import { safeFileName, uploadBlob } from "../../components/governance/upload";
import { useFeedback } from "../../feedback";
import { useT, type Messages } from "../../i18n";

export interface PendingLogo {
  blob: string;
  url: string;
}

type Key =
  | "upload"
  | "uploaded"
  | "notImage"
  | "path"
  | "minPx"
  | "minPct"
  | "required"
  | "requiredHelp"
  | "remove"
  | "missing"
  | "notFound"
  | "pending"
  | "empty"
  | "pathRequired";

const messages: Messages<Key> = {
  zh: {
    upload: "上传标志",
    uploaded: "已上传 {name}，保存后生效",
    notImage: "请上传 PNG、JPEG、WebP 或 SVG 图片",
    path: "文件路径",
    minPx: "最小宽度（像素）",
    minPct: "最小宽度（占画面 %）",
    required: "必须出现",
    requiredHelp: "开启后，海报中找不到该标志将判为不可发布",
    remove: "移除标志",
    missing: "文件缺失",
    notFound: "未找到该文件",
    pending: "待保存",
    empty: "还没有标志。上传后，海报检测会检查标志是否出现、是否足够大。",
    pathRequired: "请填写路径",
  },
  en: {
    upload: "Upload logo",
    uploaded: "{name} uploaded; it takes effect when you save",
    notImage: "Upload a PNG, JPEG, WebP or SVG image",
    path: "File path",
    minPx: "Min width (px)",
    minPct: "Min width (% of frame)",
    required: "Required",
    requiredHelp: "When on, a poster without this logo cannot be published",
    remove: "Remove logo",
    missing: "File missing",
    notFound: "File not found",
    pending: "Not saved yet",
    empty: "No logo yet. Once uploaded, poster checks verify it appears, large enough.",
    pathRequired: "Enter a path",
  },
};

function LogoPreview({ brandId, path, refName, pending, missing }: { brandId: string; path: string; refName: string; pending?: PendingLogo; missing: boolean }) {
  const t = useT(messages);
  const wanted = !pending && !missing && Boolean(path);
  const { url, error } = useObjectUrl(wanted ? previewUrl(brandId, path, refName) : null);
  const shown = pending?.url ?? url;
  const box = { width: 88, height: 88, borderRadius: 8, background: "repeating-conic-gradient(#f5f5f5 0% 25%, #fff 0% 50%) 50% / 16px 16px", border: "1px solid #f0f0f0" };
  return (
    <Flex vertical gap={4} align="center">
      <Flex align="center" justify="center" style={box}>
        {shown ? (
          <img src={shown} alt={path} style={{ maxWidth: 80, maxHeight: 80, objectFit: "contain" }} />
        ) : wanted && !error ? (
          <Spin size="small" />
        ) : null}
      </Flex>
      {pending && <Tag color="blue">{t("pending")}</Tag>}
      {missing && !pending && <Tag color="warning">{t("missing")}</Tag>}
      {error && !missing && (
        <Tooltip title={error}>
          <Tag color="warning">{t("notFound")}</Tag>
        </Tooltip>
      )}
    </Flex>
  );
}

interface Props {
  brandId: string;
  refName: string;
  missing: string[];
  pending: Map<string, PendingLogo>;
  onUploaded: (path: string, logo: PendingLogo) => void;
  disabled: boolean;
}

export function LogoList({ brandId, refName, missing, pending, onUploaded, disabled }: Props) {
  const t = useT(messages);
  const { message } = useFeedback();
  const form = Form.useFormInstance();
  const [busy, setBusy] = useState(false);

  const upload = async (file: File, add: (row: object) => void) => {
    if (!/^image\/(png|jpeg|webp|svg\+xml)$/.test(file.type)) {
      message.error(t("notImage"));
      return;
    }
    setBusy(true);
    try {
      const blob = await uploadBlob(brandId, file, "image");
      const path = `brand/logos/${safeFileName(file.name)}`;
      onUploaded(path, { blob: blob.sha256, url: URL.createObjectURL(file) });
      const rows = (form.getFieldValue("logos") ?? []) as { path: string }[];
      if (!rows.some((row) => row.path === path)) add({ path, required: true, min_width_px: null, min_width_pct: null });
      message.success(t("uploaded", { name: file.name }));
    } catch (caught) {
      message.error(errorText(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Form.List name="logos">
      {(fields, { add, remove }) => (
        <Flex vertical gap={12}>
          {fields.length === 0 && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("empty")} />}
          {fields.map((field) => {
            const path = String(form.getFieldValue(["logos", field.name, "path"]) ?? "");
            return (
              <Flex key={field.key} gap={12} align="start" data-testid="brandkit-logo" style={{ paddingBottom: 12, borderBottom: "1px dashed #f0f0f0" }}>
                <Form.Item noStyle shouldUpdate={(prev, next) => prev.logos?.[field.name]?.path !== next.logos?.[field.name]?.path}>
                  {() => {
                    const current = String(form.getFieldValue(["logos", field.name, "path"]) ?? "");
                    return <LogoPreview brandId={brandId} path={current} refName={refName} pending={pending.get(current)} missing={missing.includes(current) && !pending.has(current)} />;
                  }}
                </Form.Item>
                <Row gutter={[12, 0]} style={{ flex: 1, minWidth: 0 }}>
                  <Col xs={24}>
                    <Form.Item name={[field.name, "path"]} label={t("path")} rules={[{ required: true, whitespace: true, message: t("pathRequired") }]} style={{ marginBottom: 8 }}>
                      <Input disabled={disabled} aria-label={`${t("path")} ${path}`} />
                    </Form.Item>
                  </Col>
                  <Col xs={12} sm={8}>
                    <Form.Item name={[field.name, "min_width_px"]} label={t("minPx")} style={{ marginBottom: 8 }}>
                      <InputNumber min={1} precision={0} style={{ width: "100%" }} disabled={disabled} />
                    </Form.Item>
                  </Col>
                  <Col xs={12} sm={8}>
                    <Form.Item name={[field.name, "min_width_pct"]} label={t("minPct")} style={{ marginBottom: 8 }}>
                      <InputNumber min={0.1} max={100} step={1} suffix="%" style={{ width: "100%" }} disabled={disabled} />
                    </Form.Item>
                  </Col>
                  <Col xs={24} sm={8}>
                    <Form.Item name={[field.name, "required"]} label={t("required")} valuePropName="checked" tooltip={t("requiredHelp")} style={{ marginBottom: 8 }}>
                      <Switch disabled={disabled} />
                    </Form.Item>
                  </Col>
                </Row>
                <Button type="text" danger icon={<DeleteOutlined />} aria-label={t("remove")} onClick={() => remove(field.name)} disabled={disabled} />
              </Flex>
            );
          })}
          <Upload
            accept="image/png,image/jpeg,image/webp,image/svg+xml"
            showUploadList={false}
            disabled={disabled || busy}
            beforeUpload={(file) => {
              void upload(file, add);
              return Upload.LIST_IGNORE;
            }}
          >
            <Button icon={<UploadOutlined />} loading={busy} disabled={disabled} data-testid="brandkit-logo-upload">
              {t("upload")}
            </Button>
          </Upload>
        </Flex>
      )}
    </Form.List>
  );
}
