// Paste-and-check: copy (and optionally an image) through the ad law, platform, industry and brand VI rules;
// findings highlighted in the text and boxed on the image, each with its legal basis and a one-click rewrite.
import { DeleteOutlined, InboxOutlined, SafetyCertificateOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Col, Collapse, Empty, Flex, Form, Input, Result, Row, Select, Skeleton, Switch, Tag, Typography, Upload } from "antd";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import { errorText } from "../../components/governance/format";
import { useFeedback } from "../../feedback";
import { useLang, useT, type Messages } from "../../i18n";
import { useBrandId } from "../../session";
import { checkCompliance, type CheckResponse, type Finding } from "./checkApi";
import { FindingCard } from "./FindingCard";
import { Highlighted } from "./Highlighted";
import { ImageFindings } from "./ImageFindings";
import { replaceSpan, type SpanMark } from "./spans";
import { categoryName, INDUSTRIES, PLATFORMS, SEVERITY, severityOf } from "./taxonomy";


const MAX_IMAGE = 10 * 1024 * 1024;
const PREFS_KEY = "atelier.check.scope";

interface Picked {
  file: File;
  url: string;
  base64: string;
  width: number;
  height: number;
}

interface Input {
  text: string;
  title: string;
  platform?: string;
  industry?: string;
  useBrand: boolean;
  image: Picked | null;
}

type Key =
  | "title"
  | "subtitle"
  | "input"
  | "platform"
  | "platformAny"
  | "industry"
  | "industryAny"
  | "headline"
  | "headlinePlaceholder"
  | "body"
  | "bodyPlaceholder"
  | "image"
  | "imageHint"
  | "imageTypes"
  | "imageTooLarge"
  | "imageRemove"
  | "brand"
  | "brandHelp"
  | "check"
  | "clear"
  | "nothing"
  | "emptyTitle"
  | "emptyBody"
  | "pass"
  | "warn"
  | "block"
  | "passSub"
  | "warnSub"
  | "blockSub"
  | "counts"
  | "brandVi"
  | "noBrandVi"
  | "stale"
  | "recheck"
  | "applyAll"
  | "annotated"
  | "headlineLabel"
  | "bodyLabel"
  | "imageLabel"
  | "findings"
  | "excused"
  | "excusedBody"
  | "packs"
  | "failed"
  | "applied";

const messages: Messages<Key> = {
  zh: {
    title: "合规检测",
    subtitle: "粘贴文案或上传图片，按《广告法》、平台规则、行业规范和品牌规范逐条检查，并给出修改建议。",
    input: "待检测内容",
    platform: "投放平台",
    platformAny: "通用规则（不限平台）",
    industry: "所属行业",
    industryAny: "通用规则（不限行业）",
    headline: "标题（可选）",
    headlinePlaceholder: "例如：夏日清爽防晒，轻薄不黏腻",
    body: "正文",
    bodyPlaceholder: "在此粘贴要检测的广告文案……",
    image: "图片（可选）",
    imageHint: "点击或拖入图片，检测图中文字、品牌色和标志",
    imageTypes: "支持 PNG、JPEG、WebP，不超过 10 MB",
    imageTooLarge: "图片超过 10 MB，请压缩后再上传",
    imageRemove: "移除图片",
    brand: "应用品牌规范",
    brandHelp: "同时检查品牌禁用词、必备声明、品牌色与标志（来自品牌规范）",
    check: "开始检测",
    clear: "清空",
    nothing: "请先输入文案或上传图片",
    emptyTitle: "检测结果会显示在这里",
    emptyBody: "每个问题都会标出位置、说明法律依据，并尽量给出可直接替换的合规写法。",
    pass: "可以发布",
    warn: "建议修改后发布",
    block: "不可发布",
    passSub: "没有发现违规问题。",
    warnSub: "有需要留意的地方，确认无误后可以发布。",
    blockSub: "存在违规内容，修改后再检测。",
    counts: "{n} 项",
    brandVi: "已应用品牌规范 {label}",
    noBrandVi: "未应用品牌规范",
    stale: "内容在检测后有改动，标注可能已不准确。",
    recheck: "重新检测",
    applyAll: "一键应用全部改写",
    annotated: "标注结果",
    headlineLabel: "标题",
    bodyLabel: "正文",
    imageLabel: "图片",
    findings: "问题清单",
    excused: "已按品牌例外放行 {n} 项",
    excusedBody: "这些命中被品牌审核认定为误报，不计入结论。",
    packs: "本次应用的规则包",
    failed: "检测失败",
    applied: "已应用改写并重新检测",
  },
  en: {
    title: "Compliance check",
    subtitle: "Paste copy or upload an image; it is checked against the Advertising Law, platform, industry and brand rules, with fixes.",
    input: "What to check",
    platform: "Platform",
    platformAny: "General rules (any platform)",
    industry: "Industry",
    industryAny: "General rules (any industry)",
    headline: "Title (optional)",
    headlinePlaceholder: "e.g. Light summer sunscreen, never sticky",
    body: "Body copy",
    bodyPlaceholder: "Paste the ad copy to check…",
    image: "Image (optional)",
    imageHint: "Click or drop an image to check its text, brand colours and logo",
    imageTypes: "PNG, JPEG or WebP, up to 10 MB",
    imageTooLarge: "The image is larger than 10 MB; compress it first",
    imageRemove: "Remove image",
    brand: "Apply the brand kit",
    brandHelp: "Also check the brand's forbidden words, disclaimers, colours and logo (from the brand kit)",
    check: "Check",
    clear: "Clear",
    nothing: "Enter copy or upload an image first",
    emptyTitle: "Results appear here",
    emptyBody: "Each problem is located, explained with its legal basis and, where possible, comes with a compliant rewrite.",
    pass: "Good to publish",
    warn: "Review before publishing",
    block: "Do not publish",
    passSub: "No problems found.",
    warnSub: "Some points need attention; publish once you are sure.",
    blockSub: "Fix the violations, then check again.",
    counts: "{n}",
    brandVi: "Brand kit applied: {label}",
    noBrandVi: "No brand kit applied",
    stale: "The content changed after the check; the marks may be off.",
    recheck: "Check again",
    applyAll: "Apply every rewrite",
    annotated: "Annotated",
    headlineLabel: "Title",
    bodyLabel: "Body",
    imageLabel: "Image",
    findings: "Findings",
    excused: "{n} excused by the brand's exceptions",
    excusedBody: "Brand reviewers marked these matches as false alarms; they do not count.",
    packs: "Rule packs applied",
    failed: "The check failed",
    applied: "Rewrite applied and checked again",
  },
};

function readPrefs(): { platform?: string; industry?: string } {
  try {
    const saved = JSON.parse(localStorage.getItem(PREFS_KEY) ?? "{}") as { platform?: string; industry?: string };
    return {
      platform: saved.platform && saved.platform in PLATFORMS ? saved.platform : undefined,
      industry: saved.industry && saved.industry in INDUSTRIES ? saved.industry : undefined,
    };
  } catch {
    return {};
  }
}

function pickImage(file: File): Promise<Picked> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(reader.error ?? new Error("cannot read the file"));
    reader.onload = () => {
      const dataUrl = String(reader.result);
      const image = new Image();
      image.onerror = () => reject(new Error("not an image"));
      image.onload = () =>
        resolve({
          file,
          url: URL.createObjectURL(file),
          base64: dataUrl.slice(dataUrl.indexOf(",") + 1),
          width: image.naturalWidth,
          height: image.naturalHeight,
        });
      image.src = dataUrl;
    };
    reader.readAsDataURL(file);
  });
}

const marksOf = (findings: Finding[], source: string): SpanMark[] =>
  findings.flatMap((finding, index) =>
    finding.source === source && finding.span ? [{ index, span: [finding.span[0], finding.span[1]] as [number, number], severity: finding.severity }] : [],
  );

export default function CheckPage() {
  const t = useT(messages);
  const { lang } = useLang();
  const brandId = useBrandId();
  const { message } = useFeedback();
  const [text, setText] = useState("");
  const [title, setTitle] = useState("");
  const [platform, setPlatform] = useState<string | undefined>(() => readPrefs().platform);
  const [industry, setIndustry] = useState<string | undefined>(() => readPrefs().industry);
  const [useBrand, setUseBrand] = useState(true);
  const [image, setImage] = useState<Picked | null>(null);
  const [result, setResult] = useState<CheckResponse | null>(null);
  const [checked, setChecked] = useState<Input | null>(null);
  const [loading, setLoading] = useState(false);
  const [applying, setApplying] = useState<number | "all" | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [active, setActive] = useState<number | null>(null);
  const cards = useRef(new Map<number, HTMLDivElement>());

  useEffect(() => {
    localStorage.setItem(PREFS_KEY, JSON.stringify({ platform, industry }));
  }, [platform, industry]);

  useEffect(() => () => void (image && URL.revokeObjectURL(image.url)), [image]);

  const run = useCallback(
    async (input: Input) => {
      if (!input.text.trim() && !input.title.trim() && !input.image) {
        message.warning(t("nothing"));
        return;
      }
      setLoading(true);
      setFailure(null);
      try {
        const response = await checkCompliance({
          text: input.text.trim() ? input.text : undefined,
          title: input.title.trim() ? input.title : undefined,
          platform: input.platform,
          industry: input.industry,
          brand_id: input.useBrand ? brandId : undefined,
          image_base64: input.image?.base64,
          media: input.image ? { width: input.image.width, height: input.image.height, size_bytes: input.image.file.size } : undefined,
          depth: "full", // a person is reading: the semantic second opinion too, not only the real-time rules
        });
        setResult(response);
        setChecked(input);
        setActive(null);
      } catch (caught) {
        setFailure(errorText(caught));
      } finally {
        setLoading(false);
      }
    },
    [brandId, message, t],
  );

  const current: Input = { text, title, platform, industry, useBrand, image };
  const stale =
    checked !== null &&
    (checked.text !== text || checked.title !== title || checked.platform !== platform || checked.industry !== industry || checked.useBrand !== useBrand || checked.image !== image);

  const applyOne = async (index: number) => {
    if (!checked || !result) return;
    const finding = result.findings[index];
    if (!finding.span || finding.rewrite == null) return;
    const span: [number, number] = [finding.span[0], finding.span[1]];
    const next = { ...checked };
    if (finding.source === "title") next.title = replaceSpan(checked.title, span, finding.rewrite);
    else next.text = replaceSpan(checked.text, span, finding.rewrite);
    setText(next.text);
    setTitle(next.title);
    setApplying(index);
    await run(next);
    setApplying(null);
    message.success(t("applied"));
  };

  const missingPhrase = (finding: Finding): string | null =>
    finding.category === "BRAND_DISCLAIMER_MISSING" && finding.source === "text" ? (/“(.+)”/.exec(finding.suggestion ?? "")?.[1] ?? null) : null;

  const appendOne = async (index: number) => {
    if (!checked || !result) return;
    const phrase = missingPhrase(result.findings[index]);
    if (!phrase) return;
    const body = checked.text.replace(/\s+$/, "");
    const next = { ...checked, text: body ? `${body}\n${phrase}` : phrase };
    setText(next.text);
    setApplying(index);
    await run(next);
    setApplying(null);
    message.success(t("applied"));
  };

  const applyAll = async () => {
    if (!checked || !result?.rewrite) return;
    const next = { ...checked, text: result.rewrite };
    setText(next.text);
    setApplying("all");
    await run(next);
    setApplying(null);
    message.success(t("applied"));
  };

  const pick = (index: number) => {
    setActive(index);
    cards.current.get(index)?.scrollIntoView({ behavior: "smooth", block: "nearest" });
  };

  const findings = result?.findings ?? [];
  const order = useMemo(
    () =>
      findings
        .map((finding, index) => ({ finding, index }))
        .sort((a, b) => severityOf(a.finding.severity).order - severityOf(b.finding.severity).order || a.index - b.index),
    [findings],
  );
  const counts = findings.reduce<Record<string, number>>((acc, finding) => {
    acc[finding.severity] = (acc[finding.severity] ?? 0) + 1;
    return acc;
  }, {});
  const categories = findings.map((finding) => finding.category);
  const textMarks = marksOf(findings, "text");
  const titleMarks = marksOf(findings, "title");
  const canApply = (finding: Finding) =>
    finding.rewrite != null && finding.span != null && (finding.source === "text" || finding.source === "title");

  const verdict = result?.verdict ?? "pass";
  const verdictStatus = verdict === "pass" ? "success" : verdict === "warn" ? "warning" : "error";

  return (
    <Flex vertical gap={16} style={{ maxWidth: 1400, margin: "0 auto" }}>
      <div>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t("title")}
        </Typography.Title>
        <Typography.Text type="secondary">{t("subtitle")}</Typography.Text>
      </div>
      <Row gutter={[16, 16]} align="top">
        <Col xs={24} lg={11}>
          <Card title={t("input")}>
            <Form layout="vertical" onFinish={() => void run(current)} data-testid="check-form">
              <Row gutter={12}>
                <Col xs={24} sm={12}>
                  <Form.Item label={t("platform")} htmlFor="check-platform">
                    <Select
                      id="check-platform"
                      allowClear
                      showSearch
                      optionFilterProp="label"
                      placeholder={t("platformAny")}
                      value={platform}
                      onChange={(value?: string) => setPlatform(value)}
                      options={Object.entries(PLATFORMS).map(([value, name]) => ({ value, label: name[lang] }))}
                      data-testid="check-platform"
                    />
                  </Form.Item>
                </Col>
                <Col xs={24} sm={12}>
                  <Form.Item label={t("industry")} htmlFor="check-industry">
                    <Select
                      id="check-industry"
                      allowClear
                      showSearch
                      optionFilterProp="label"
                      placeholder={t("industryAny")}
                      value={industry}
                      onChange={(value?: string) => setIndustry(value)}
                      options={Object.entries(INDUSTRIES).map(([value, name]) => ({ value, label: name[lang] }))}
                      data-testid="check-industry"
                    />
                  </Form.Item>
                </Col>
              </Row>
              <Form.Item label={t("headline")} htmlFor="check-title">
                <Input
                  id="check-title"
                  value={title}
                  maxLength={1000}
                  placeholder={t("headlinePlaceholder")}
                  onChange={(event) => setTitle(event.target.value)}
                  data-testid="check-title"
                />
              </Form.Item>
              <Form.Item label={t("body")} htmlFor="check-text">
                <Input.TextArea
                  id="check-text"
                  value={text}
                  onChange={(event) => setText(event.target.value)}
                  placeholder={t("bodyPlaceholder")}
                  autoSize={{ minRows: 6, maxRows: 16 }}
                  showCount
                  maxLength={100000}
                  data-testid="check-text"
                />
              </Form.Item>
              <Form.Item label={t("image")}>
                {image ? (
                  <Flex gap={12} align="center">
                    <img src={image.url} alt={image.file.name} style={{ width: 96, height: 96, objectFit: "cover", borderRadius: 8 }} />
                    <Flex vertical gap={4} style={{ minWidth: 0 }}>
                      <Typography.Text ellipsis>{image.file.name}</Typography.Text>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {image.width} × {image.height}
                      </Typography.Text>
                      <Button size="small" icon={<DeleteOutlined />} onClick={() => setImage(null)} data-testid="check-image-remove" style={{ alignSelf: "start" }}>
                        {t("imageRemove")}
                      </Button>
                    </Flex>
                  </Flex>
                ) : (
                  <Upload.Dragger
                    accept="image/png,image/jpeg,image/webp"
                    showUploadList={false}
                    maxCount={1}
                    beforeUpload={(file) => {
                      if (file.size > MAX_IMAGE) message.error(t("imageTooLarge"));
                      else
                        pickImage(file)
                          .then(setImage)
                          .catch((caught: unknown) => message.error(errorText(caught)));
                      return Upload.LIST_IGNORE;
                    }}
                    data-testid="check-image-upload"
                  >
                    <p className="ant-upload-drag-icon">
                      <InboxOutlined />
                    </p>
                    <p className="ant-upload-text">{t("imageHint")}</p>
                    <p className="ant-upload-hint">{t("imageTypes")}</p>
                  </Upload.Dragger>
                )}
              </Form.Item>
              <Flex justify="space-between" align="center" gap={12} wrap>
                <Flex gap={8} align="center">
                  <Switch checked={useBrand} onChange={setUseBrand} aria-label={t("brand")} id="check-brand" data-testid="check-brand" />
                  <label htmlFor="check-brand" title={t("brandHelp")}>
                    {t("brand")}
                  </label>
                </Flex>
                <Flex gap={8}>
                  <Button
                    onClick={() => {
                      setText("");
                      setTitle("");
                      setImage(null);
                      setResult(null);
                      setChecked(null);
                      setFailure(null);
                    }}
                  >
                    {t("clear")}
                  </Button>
                  <Button type="primary" htmlType="submit" icon={<SafetyCertificateOutlined />} loading={loading} data-testid="check-submit">
                    {t("check")}
                  </Button>
                </Flex>
              </Flex>
            </Form>
          </Card>
        </Col>
        <Col xs={24} lg={13}>
          <Flex vertical gap={16} data-testid="check-results">
            {failure && <Alert type="error" showIcon title={t("failed")} description={failure} data-testid="check-error" />}
            {!result && !loading && !failure && (
              <Card>
                <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={<Typography.Text strong>{t("emptyTitle")}</Typography.Text>}>
                  <Typography.Text type="secondary">{t("emptyBody")}</Typography.Text>
                </Empty>
              </Card>
            )}
            {loading && !result && (
              <Card>
                <Skeleton active paragraph={{ rows: 6 }} />
              </Card>
            )}
            {result && checked && (
              <>
                <Card styles={{ body: { padding: 16 } }}>
                  <Result
                    status={verdictStatus}
                    title={t(verdict)}
                    subTitle={t(`${verdict}Sub` as Key)}
                    style={{ padding: 8 }}
                    data-testid="check-verdict"
                    data-verdict={verdict}
                    extra={
                      <Flex vertical gap={8} align="center">
                        <Flex gap={6} wrap justify="center">
                          {(["block", "warn", "info"] as const)
                            .filter((severity) => counts[severity])
                            .map((severity) => (
                              <Tag key={severity} color={SEVERITY[severity].tag}>
                                {lang === "zh" ? SEVERITY[severity].zh : SEVERITY[severity].en} {t("counts", { n: counts[severity] })}
                              </Tag>
                            ))}
                        </Flex>
                        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                          {result.brand_vi ? t("brandVi", { label: result.brand_vi }) : t("noBrandVi")}
                        </Typography.Text>
                        {result.rewrite && result.rewrite !== checked.text && (
                          <Button onClick={() => void applyAll()} loading={applying === "all"} disabled={stale} data-testid="apply-all-rewrites">
                            {t("applyAll")}
                          </Button>
                        )}
                      </Flex>
                    }
                  />
                  {stale && (
                    <Alert
                      type="info"
                      showIcon
                      title={t("stale")}
                      action={
                        <Button size="small" type="primary" onClick={() => void run(current)} loading={loading}>
                          {t("recheck")}
                        </Button>
                      }
                      data-testid="check-stale"
                    />
                  )}
                </Card>
                {(checked.text.trim() || checked.title.trim() || checked.image) && (
                  <Card title={t("annotated")} data-testid="check-highlight">
                    <Flex vertical gap={12}>
                      {checked.title.trim() && (
                        <div>
                          <Typography.Text type="secondary">{t("headlineLabel")}</Typography.Text>
                          <Highlighted
                            text={checked.title}
                            marks={titleMarks}
                            categories={categories}
                            active={active}
                            onPick={pick}
                            label={t("headlineLabel")}
                          />
                        </div>
                      )}
                      {checked.text.trim() && (
                        <div>
                          {checked.title.trim() && <Typography.Text type="secondary">{t("bodyLabel")}</Typography.Text>}
                          <Highlighted text={checked.text} marks={textMarks} categories={categories} active={active} onPick={pick} label={t("bodyLabel")} />
                        </div>
                      )}
                      {checked.image && (
                        <div>
                          <Typography.Text type="secondary">{t("imageLabel")}</Typography.Text>
                          <div>
                            <ImageFindings url={checked.image.url} alt={checked.image.file.name} findings={findings} active={active} onPick={pick} />
                          </div>
                        </div>
                      )}
                    </Flex>
                  </Card>
                )}
                {findings.length > 0 && (
                  <Card title={`${t("findings")} · ${findings.length}`} styles={{ body: { padding: 12 } }}>
                    <Flex vertical gap={10} data-testid="finding-list">
                      {order.map(({ finding, index }) => (
                        <FindingCard
                          key={index}
                          ref={(node) => {
                            if (node) cards.current.set(index, node);
                            else cards.current.delete(index);
                          }}
                          finding={finding}
                          index={index}
                          active={active === index}
                          onApply={canApply(finding) ? () => void applyOne(index) : null}
                          onAppend={missingPhrase(finding) ? () => void appendOne(index) : null}
                          stale={stale}
                          busy={applying === index}
                          onHover={setActive}
                        />
                      ))}
                    </Flex>
                  </Card>
                )}
                {(result.excused?.length ?? 0) > 0 && (
                  <Collapse
                    items={[
                      {
                        key: "excused",
                        label: t("excused", { n: result.excused?.length ?? 0 }),
                        children: (
                          <Flex vertical gap={6}>
                            <Typography.Text type="secondary">{t("excusedBody")}</Typography.Text>
                            {(result.excused ?? []).map((item) => (
                              <Typography.Text key={item.exception_id + item.finding.rule_id + item.finding.matched}>
                                {categoryName(item.finding.category, lang)}：{item.finding.matched || item.finding.message}
                              </Typography.Text>
                            ))}
                          </Flex>
                        ),
                      },
                    ]}
                  />
                )}
                {(result.packs?.length ?? 0) > 0 && (
                  <Collapse
                    ghost
                    size="small"
                    items={[
                      {
                        key: "packs",
                        label: <Typography.Text type="secondary">{t("packs")}</Typography.Text>,
                        children: (
                          <Flex gap={4} wrap>
                            {(result.packs ?? []).map((pack) => (
                              <Tag key={pack} variant="filled">
                                {pack}
                              </Tag>
                            ))}
                          </Flex>
                        ),
                      },
                    ]}
                  />
                )}
              </>
            )}
          </Flex>
        </Col>
      </Row>
    </Flex>
  );
}
