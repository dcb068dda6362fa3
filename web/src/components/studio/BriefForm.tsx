// The brief: what to make, for whom, where, how many — turned into one generation job per platform
// and output (copy, copy + posters, video remixes).
//
// It is the studio's first screen, so it is built light: plain inputs styled like antd's vertical form
// (LightFields, TagInput, src/light-controls.css) and antd Input/Button only; the video part and "more
// options" (footage picker, Select, Segmented) load when they are shown. Checks run on submit, then on
// every change of a field already checked, like antd Form's; the first wrong field gets the focus.
import { RightOutlined, ThunderboltOutlined } from "@ant-design/icons";
import { Button, Input, Typography } from "antd";
import { lazy, Suspense, useCallback, useEffect, useMemo, useState, type FormEvent } from "react";

import { useLang, useT, type Messages } from "../../i18n";
import { afterFirstScreen } from "../../idle";
import {
  briefValues,
  CHECKED_FIELDS,
  checkBrief,
  FIELD_IDS,
  focusField,
  initialDraft,
  parseCount,
  planOf,
  type BriefDraft,
  type CheckedField,
  type FocusRequest,
  type RuleMessage,
} from "./briefRules";
import { CheckGroup, describedBy, Field } from "./LightFields";
import { MAX_SELLING_POINTS, MAX_VARIANTS, PLATFORM_LABELS, PLATFORMS, type BriefValues, type Kind } from "./model";
import { TagInput } from "./TagInput";

const loadMore = () => import("./BriefMore");
const loadVideo = () => import("./BriefVideo");
const BriefMore = lazy(loadMore);
const BriefVideo = lazy(loadVideo);
/** Start loading a part ahead of need (a failure shows when the part itself loads). */
const prefetch = (load: () => Promise<unknown>) => () => void load().catch(() => undefined);

type Key =
  | RuleMessage
  | "product"
  | "productPh"
  | "points"
  | "pointsPh"
  | "remove"
  | "audience"
  | "audiencePh"
  | "platforms"
  | "tone"
  | "tonePh"
  | "count"
  | "kinds"
  | "copy"
  | "poster"
  | "video"
  | "more"
  | "submit"
  | "plan";

const messages: Messages<Key> = {
  zh: {
    product: "产品 / 活动",
    productPh: "例如：清透防晒乳 SPF50+",
    productReq: "请填写产品或活动名称",
    points: "核心卖点",
    pointsPh: "输入后回车，可添加多条",
    pointsMax: "卖点最多 {n} 条",
    remove: "删除「{tag}」",
    audience: "目标人群",
    audiencePh: "例如：25-35 岁都市白领，注重通勤防晒",
    platforms: "投放平台",
    platformsReq: "请至少选择一个平台",
    tone: "语气风格",
    tonePh: "例如：温暖、俏皮、专业",
    count: "每个平台生成条数",
    countRange: "请输入 1–{max} 之间的整数",
    kinds: "产出内容",
    kindsReq: "请至少选择一种内容",
    copy: "文案",
    poster: "海报（含文案）",
    video: "短视频",
    more: "更多设置",
    brandReq: "请填写品牌名称",
    footageReq: "生成视频需要至少 1 段素材",
    submit: "开始生成",
    plan: "将提交 {jobs} 个任务，共约 {total} 条内容",
  },
  en: {
    product: "Product / campaign",
    productPh: "e.g. Clear sunscreen SPF50+",
    productReq: "Name the product or campaign",
    points: "Selling points",
    pointsPh: "Type one and press Enter",
    pointsMax: "At most {n} selling points",
    remove: "Remove “{tag}”",
    audience: "Audience",
    audiencePh: "e.g. office workers 25–35 who commute",
    platforms: "Platforms",
    platformsReq: "Pick at least one platform",
    tone: "Tone",
    tonePh: "e.g. warm, playful, expert",
    count: "Variants per platform",
    countRange: "A whole number from 1 to {max}",
    kinds: "Outputs",
    kindsReq: "Pick at least one output",
    copy: "Copy",
    poster: "Posters (with copy)",
    video: "Short video",
    more: "More options",
    brandReq: "Give the brand name",
    footageReq: "Video needs at least one clip of footage",
    submit: "Generate",
    plan: "{jobs} jobs, about {total} pieces in all",
  },
};

const SEPARATORS = [",", "，", "、", ";", "；"];
const KINDS: Kind[] = ["copy", "poster", "video"];
const PLATFORM_ITEM = { minWidth: 104 };

/** The parts shown on demand load when the user heads for them, or a while after the first screen. */
function usePrefetch(): void {
  useEffect(() => afterFirstScreen(prefetch(() => Promise.all([loadMore(), loadVideo()]))), []);
}

/** The draft, its checks (shown for fields already checked) and a focus request for the first wrong one. */
function useBrief(brandName: string, message: (key: RuleMessage, vars?: Record<string, number>) => string) {
  const [draft, setDraft] = useState<BriefDraft>(() => initialDraft(brandName));
  const [checked, setChecked] = useState<ReadonlySet<CheckedField>>(new Set());
  const [focus, setFocus] = useState<FocusRequest>(null);
  const all = useMemo(() => checkBrief(draft, message), [draft, message]);
  const errors = useMemo(
    () => Object.fromEntries(Object.entries(all).filter(([field]) => checked.has(field as CheckedField))),
    [all, checked],
  );
  const change = useCallback((patch: Partial<BriefDraft>) => {
    setDraft((current) => ({ ...current, ...patch }));
    setChecked((current) => {
      const touched = Object.keys(patch).filter((key) => !current.has(key as CheckedField) && key in FIELD_IDS);
      return touched.length ? new Set([...current, ...(touched as CheckedField[])]) : current;
    });
  }, []);
  /** Check everything; the first wrong field, if any. */
  const checkAll = useCallback((): CheckedField | null => {
    setChecked(new Set(CHECKED_FIELDS));
    const first = CHECKED_FIELDS.find((field) => all[field]) ?? null;
    setFocus((last) => (first ? { field: first, seq: (last?.seq ?? 0) + 1 } : null));
    return first;
  }, [all]);
  return { draft, errors, focus, change, checkAll };
}

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
  const { draft, errors, focus, change, checkAll } = useBrief(brandName, t);
  const [footageRef, setFootageRef] = useState("main");
  const [moreOpen, setMoreOpen] = useState(false);
  const plan = useMemo(() => planOf(draft), [draft]);
  usePrefetch();

  useEffect(() => {
    if (focus?.field === "brand") setMoreOpen(true); // BriefMore focuses it once shown
    else if (focus) focusField(focus.field);
  }, [focus]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (checkAll() === null) void onSubmit(briefValues(draft, footageRef));
  };

  return (
    <form className="lc-form" onSubmit={submit} noValidate data-testid="brief-form">
      <Field id={FIELD_IDS.product} label={t("product")} required error={errors.product}>
        <Input
          id={FIELD_IDS.product}
          placeholder={t("productPh")}
          maxLength={200}
          allowClear
          data-testid="brief-product"
          value={draft.product}
          onChange={(event) => change({ product: event.target.value })}
          status={errors.product ? "error" : undefined}
          aria-required
          {...describedBy(FIELD_IDS.product, errors.product)}
        />
      </Field>
      <Field id={FIELD_IDS.sellingPoints} label={t("points")} error={errors.sellingPoints}>
        <TagInput
          id={FIELD_IDS.sellingPoints}
          testId="brief-selling-points"
          value={draft.sellingPoints}
          onChange={(sellingPoints) => change({ sellingPoints })}
          placeholder={t("pointsPh")}
          separators={SEPARATORS}
          max={MAX_SELLING_POINTS}
          removeLabel={(tag) => t("remove", { tag })}
          invalid={Boolean(errors.sellingPoints)}
          describedBy={describedBy(FIELD_IDS.sellingPoints, errors.sellingPoints)["aria-describedby"]}
        />
      </Field>
      <Field id={FIELD_IDS.platforms} label={t("platforms")} required group error={errors.platforms}>
        <CheckGroup
          id={FIELD_IDS.platforms}
          testId="brief-platforms"
          options={PLATFORMS.map((value) => ({ value, label: PLATFORM_LABELS[lang][value], testId: `platform-${value}` }))}
          value={draft.platforms}
          onChange={(platforms) => change({ platforms })}
          error={errors.platforms}
          itemStyle={PLATFORM_ITEM}
        />
      </Field>
      <div className="lc-row">
        <Field id={FIELD_IDS.kinds} label={t("kinds")} required group error={errors.kinds}>
          <CheckGroup
            id={FIELD_IDS.kinds}
            testId="brief-kinds"
            options={KINDS.map((value) => ({ value, label: t(value), testId: `kind-${value}` }))}
            value={draft.kinds}
            onChange={(kinds) => change({ kinds })}
            onIntent={prefetch(loadVideo)}
            error={errors.kinds}
          />
        </Field>
        <Field id={FIELD_IDS.count} label={t("count")} required error={errors.count}>
          <Input
            id={FIELD_IDS.count}
            type="number"
            inputMode="numeric"
            min={1}
            max={MAX_VARIANTS}
            step={1}
            data-testid="brief-count"
            value={draft.count}
            onChange={(event) => change({ count: event.target.value })}
            status={errors.count ? "error" : undefined}
            aria-required
            {...describedBy(FIELD_IDS.count, errors.count)}
          />
        </Field>
      </div>
      <div className="lc-row">
        <Field id="brief_audience" label={t("audience")}>
          <Input
            id="brief_audience"
            placeholder={t("audiencePh")}
            maxLength={200}
            data-testid="brief-audience"
            value={draft.audience}
            onChange={(event) => change({ audience: event.target.value })}
          />
        </Field>
        <Field id="brief_tone" label={t("tone")}>
          <Input
            id="brief_tone"
            placeholder={t("tonePh")}
            maxLength={100}
            data-testid="brief-tone"
            value={draft.tone}
            onChange={(event) => change({ tone: event.target.value })}
          />
        </Field>
      </div>
      {draft.kinds.includes("video") ? (
        <Suspense fallback={<div className="lc-pending" />}>
          <BriefVideo
            draft={draft}
            count={parseCount(draft.count) ?? 0}
            errors={errors}
            footageRef={footageRef}
            focus={focus}
            onChange={change}
            onFootageRefChange={(ref) => {
              setFootageRef(ref);
              change({ footage: [] });
            }}
          />
        </Suspense>
      ) : null}
      <button
        type="button"
        className="lc-more"
        aria-expanded={moreOpen}
        aria-controls="brief_more"
        onPointerEnter={prefetch(loadMore)}
        onFocus={prefetch(loadMore)}
        onClick={() => setMoreOpen((open) => !open)}
      >
        <RightOutlined className="lc-more-arrow" />
        {t("more")}
      </button>
      <div id="brief_more" className="lc-more-panel" hidden={!moreOpen}>
        {moreOpen ? (
          <Suspense fallback={<div className="lc-pending" />}>
            <BriefMore draft={draft} errors={errors} focus={focus} onChange={change} />
          </Suspense>
        ) : null}
      </div>
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
    </form>
  );
}
