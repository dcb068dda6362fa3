// The brief: what to make, for whom, where, how many — turned into one generation job per platform
// and output (copy, copy + posters, video remixes).
import { ThunderboltOutlined } from "@ant-design/icons";
import {
  Alert,
  Button,
  Checkbox,
  Col,
  Collapse,
  Form,
  Input,
  InputNumber,
  Row,
  Segmented,
  Select,
  Typography,
} from "antd";
import { useMemo, useState } from "react";

import { useLang, useT, type Messages } from "../../i18n";
import { FootagePicker } from "./FootagePicker";
import {
  INDUSTRIES,
  MAX_SELLING_POINTS,
  MAX_VARIANTS,
  MAX_VIDEOS,
  PLATFORM_LABELS,
  PLATFORMS,
  VIDEO_PRESETS,
  type BriefValues,
  type Kind,
} from "./model";

type Key =
  | "title"
  | "product"
  | "productPh"
  | "productReq"
  | "points"
  | "pointsPh"
  | "pointsMax"
  | "audience"
  | "audiencePh"
  | "platforms"
  | "platformsReq"
  | "tone"
  | "tonePh"
  | "count"
  | "kinds"
  | "kindsReq"
  | "copy"
  | "poster"
  | "video"
  | "more"
  | "brand"
  | "brandReq"
  | "industry"
  | "industryPh"
  | "length"
  | "short"
  | "medium"
  | "long"
  | "price"
  | "cta"
  | "ctaPh"
  | "footage"
  | "footageReq"
  | "quality"
  | "preview"
  | "hd"
  | "submit"
  | "plan"
  | "noVideoPreset"
  | "videoCap"
  | "posterNote";

const messages: Messages<Key> = {
  zh: {
    title: "创作需求",
    product: "产品 / 活动",
    productPh: "例如：清透防晒乳 SPF50+",
    productReq: "请填写产品或活动名称",
    points: "核心卖点",
    pointsPh: "输入后回车，可添加多条",
    pointsMax: "卖点最多 {n} 条",
    audience: "目标人群",
    audiencePh: "例如：25-35 岁都市白领，注重通勤防晒",
    platforms: "投放平台",
    platformsReq: "请至少选择一个平台",
    tone: "语气风格",
    tonePh: "例如：温暖、俏皮、专业",
    count: "每个平台生成条数",
    kinds: "产出内容",
    kindsReq: "请至少选择一种内容",
    copy: "文案",
    poster: "海报（含文案）",
    video: "短视频",
    more: "更多设置",
    brand: "品牌名称（文案中出现的写法）",
    brandReq: "请填写品牌名称",
    industry: "行业（用于行业合规规则）",
    industryPh: "不限",
    length: "正文长度",
    short: "精简",
    medium: "适中",
    long: "详细",
    price: "海报价格",
    cta: "行动号召",
    ctaPh: "例如：立即抢购",
    footage: "视频素材",
    footageReq: "生成视频需要至少 1 段素材",
    quality: "视频画质",
    preview: "快速预览（半分辨率，不宜投放）",
    hd: "原画质",
    submit: "开始生成",
    plan: "将提交 {jobs} 个任务，共约 {total} 条内容",
    noVideoPreset: "微博暂无视频规格，将不生成微博视频",
    videoCap: "每个平台最多生成 {n} 条视频",
    posterNote: "海报使用品牌规范中的 Logo 与色板",
  },
  en: {
    title: "Brief",
    product: "Product / campaign",
    productPh: "e.g. Clear sunscreen SPF50+",
    productReq: "Name the product or campaign",
    points: "Selling points",
    pointsPh: "Type one and press Enter",
    pointsMax: "At most {n} selling points",
    audience: "Audience",
    audiencePh: "e.g. office workers 25–35 who commute",
    platforms: "Platforms",
    platformsReq: "Pick at least one platform",
    tone: "Tone",
    tonePh: "e.g. warm, playful, expert",
    count: "Variants per platform",
    kinds: "Outputs",
    kindsReq: "Pick at least one output",
    copy: "Copy",
    poster: "Posters (with copy)",
    video: "Short video",
    more: "More options",
    brand: "Brand name (as written in copy)",
    brandReq: "Give the brand name",
    industry: "Industry (for industry rules)",
    industryPh: "Any",
    length: "Body length",
    short: "Short",
    medium: "Medium",
    long: "Long",
    price: "Poster price",
    cta: "Call to action",
    ctaPh: "e.g. Shop now",
    footage: "Footage",
    footageReq: "Video needs at least one clip of footage",
    quality: "Video quality",
    preview: "Quick preview (half size, not for release)",
    hd: "Full quality",
    submit: "Generate",
    plan: "{jobs} jobs, about {total} pieces in all",
    noVideoPreset: "Weibo has no video format: no Weibo video will be made",
    videoCap: "At most {n} videos per platform",
    posterNote: "Posters use the logo and palette of the brand kit",
  },
};

const INDUSTRY_LABELS: Record<"zh" | "en", Record<(typeof INDUSTRIES)[number], string>> = {
  zh: {
    cosmetics: "美妆个护",
    food_beverage: "食品饮料",
    apparel: "服饰",
    electronics: "数码 3C",
    home_appliances: "家电",
    mother_baby: "母婴",
    health_food: "保健食品",
    sports: "运动",
    retail: "零售电商",
    other: "其他",
  },
  en: {
    cosmetics: "Cosmetics",
    food_beverage: "Food & beverage",
    apparel: "Apparel",
    electronics: "Electronics",
    home_appliances: "Home appliances",
    mother_baby: "Mother & baby",
    health_food: "Health food",
    sports: "Sports",
    retail: "Retail",
    other: "Other",
  },
};

export function BriefForm({
  brandName,
  busy,
  onSubmit,
}: {
  brandName: string;
  busy: boolean;
  onSubmit: (values: BriefValues) => Promise<void>;
}) {
  const t = useT(messages);
  const { lang } = useLang();
  const [form] = Form.useForm<BriefValues>();
  const [footageRef, setFootageRef] = useState("main");
  const kinds = Form.useWatch("kinds", form) ?? ["copy"];
  const platforms = Form.useWatch("platforms", form) ?? [];
  const count = Form.useWatch("count", form) ?? 6;
  const initial = useMemo<Partial<BriefValues>>(
    () => ({
      brand: brandName,
      sellingPoints: [],
      platforms: [],
      count: 6,
      kinds: ["copy"],
      length: "medium",
      footage: [],
      videoScale: 1,
    }),
    [brandName],
  );

  const plan = useMemo(() => {
    let jobs = 0;
    let total = 0;
    for (const platform of platforms) {
      if (kinds.includes("poster") || kinds.includes("copy")) {
        jobs += 1;
        total += count;
      }
      if (kinds.includes("video") && VIDEO_PRESETS[platform]) {
        jobs += 1;
        total += Math.min(count, MAX_VIDEOS);
      }
    }
    return { jobs, total };
  }, [kinds, platforms, count]);

  const wantsVideo = kinds.includes("video");
  const submit = async (values: BriefValues) => {
    await onSubmit({ ...initial, ...values, footageRef } as BriefValues);
  };

  return (
    <Form<BriefValues>
      form={form}
      layout="vertical"
      initialValues={initial}
      onFinish={(values) => void submit(values)}
      data-testid="brief-form"
      requiredMark="optional"
      scrollToFirstError
    >
      <Form.Item name="product" label={t("product")} rules={[{ required: true, whitespace: true, message: t("productReq") }]}>
        <Input placeholder={t("productPh")} maxLength={200} data-testid="brief-product" allowClear />
      </Form.Item>
      <Form.Item
        name="sellingPoints"
        label={t("points")}
        rules={[{ type: "array", max: MAX_SELLING_POINTS, message: t("pointsMax", { n: MAX_SELLING_POINTS }) }]}
      >
        <Select
          mode="tags"
          aria-label={t("points")}
          data-testid="brief-selling-points"
          placeholder={t("pointsPh")}
          tokenSeparators={[",", "，", "、", ";", "；"]}
          open={false}
          suffixIcon={null}
          maxCount={MAX_SELLING_POINTS}
        />
      </Form.Item>
      <Form.Item name="platforms" label={t("platforms")} rules={[{ required: true, type: "array", min: 1, message: t("platformsReq") }]}>
        <Checkbox.Group data-testid="brief-platforms" aria-label={t("platforms")} style={{ display: "flex", flexWrap: "wrap", gap: "6px 0" }}>
          {PLATFORMS.map((platform) => (
            <Checkbox key={platform} value={platform} data-testid={`platform-${platform}`} style={{ minWidth: 104 }}>
              {PLATFORM_LABELS[lang][platform]}
            </Checkbox>
          ))}
        </Checkbox.Group>
      </Form.Item>
      <Row gutter={12}>
        <Col xs={24} sm={12}>
          <Form.Item name="kinds" label={t("kinds")} rules={[{ required: true, type: "array", min: 1, message: t("kindsReq") }]}>
            <Checkbox.Group data-testid="brief-kinds" aria-label={t("kinds")} style={{ display: "flex", flexWrap: "wrap", gap: "6px 0" }}>
              {(["copy", "poster", "video"] as Kind[]).map((kind) => (
                <Checkbox key={kind} value={kind} data-testid={`kind-${kind}`}>
                  {t(kind)}
                </Checkbox>
              ))}
            </Checkbox.Group>
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item name="count" label={t("count")} rules={[{ required: true, type: "integer", min: 1, max: MAX_VARIANTS }]}>
            <InputNumber min={1} max={MAX_VARIANTS} precision={0} style={{ width: "100%" }} data-testid="brief-count" aria-label={t("count")} />
          </Form.Item>
        </Col>
      </Row>
      <Row gutter={12}>
        <Col xs={24} sm={12}>
          <Form.Item name="audience" label={t("audience")}>
            <Input placeholder={t("audiencePh")} maxLength={200} data-testid="brief-audience" />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item name="tone" label={t("tone")}>
            <Input placeholder={t("tonePh")} maxLength={100} data-testid="brief-tone" />
          </Form.Item>
        </Col>
      </Row>
      {wantsVideo ? (
        <>
          <Form.Item name="footage" label={t("footage")} rules={[{ required: true, type: "array", min: 1, message: t("footageReq") }]}>
            <FootagePicker branch={footageRef} onBranchChange={setFootageRef} />
          </Form.Item>
          <Form.Item name="videoScale" label={t("quality")}>
            <Segmented
              aria-label={t("quality")}
              options={[
                { value: 1, label: t("hd") },
                { value: 0.5, label: t("preview") },
              ]}
            />
          </Form.Item>
          {platforms.includes("weibo") ? <Alert type="info" showIcon title={t("noVideoPreset")} style={{ marginBottom: 12 }} /> : null}
          {count > MAX_VIDEOS ? <Alert type="info" showIcon title={t("videoCap", { n: MAX_VIDEOS })} style={{ marginBottom: 12 }} /> : null}
        </>
      ) : null}
      <Collapse
        ghost
        size="small"
        style={{ marginBottom: 12, marginInline: -16 }}
        items={[
          {
            key: "more",
            label: t("more"),
            forceRender: true,
            children: (
              <>
                <Form.Item name="brand" label={t("brand")} rules={[{ required: true, whitespace: true, message: t("brandReq") }]}>
                  <Input maxLength={60} data-testid="brief-brand" />
                </Form.Item>
                <Row gutter={12}>
                  <Col xs={24} sm={12}>
                    <Form.Item name="industry" label={t("industry")}>
                      <Select
                        allowClear
                        aria-label={t("industry")}
                        placeholder={t("industryPh")}
                        options={INDUSTRIES.map((value) => ({ value, label: INDUSTRY_LABELS[lang][value] }))}
                      />
                    </Form.Item>
                  </Col>
                  <Col xs={24} sm={12}>
                    <Form.Item name="length" label={t("length")}>
                      <Segmented
                        aria-label={t("length")}
                        options={[
                          { value: "short", label: t("short") },
                          { value: "medium", label: t("medium") },
                          { value: "long", label: t("long") },
                        ]}
                      />
                    </Form.Item>
                  </Col>
                </Row>
                {kinds.includes("poster") ? (
                  <Row gutter={12}>
                    <Col xs={24} sm={12}>
                      <Form.Item name="price" label={t("price")}>
                        <Input maxLength={40} placeholder="¥199" />
                      </Form.Item>
                    </Col>
                    <Col xs={24} sm={12}>
                      <Form.Item name="cta" label={t("cta")}>
                        <Input maxLength={40} placeholder={t("ctaPh")} />
                      </Form.Item>
                    </Col>
                  </Row>
                ) : null}
                {kinds.includes("poster") ? <Typography.Text type="secondary">{t("posterNote")}</Typography.Text> : null}
              </>
            ),
          },
        ]}
      />
      <Button
        type="primary"
        htmlType="submit"
        size="large"
        block
        icon={<ThunderboltOutlined />}
        loading={busy}
        data-testid="brief-submit"
      >
        {t("submit")}
      </Button>
      {plan.jobs > 0 ? (
        <Typography.Text type="secondary" style={{ display: "block", marginTop: 8, textAlign: "center" }} data-testid="brief-plan">
          {t("plan", { jobs: plan.jobs, total: plan.total })}
        </Typography.Text>
      ) : null}
    </Form>
  );
}
