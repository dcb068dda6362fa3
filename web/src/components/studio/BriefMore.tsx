// The brief's "more options" (brand name, industry, body length, poster price and call to action).
// Loaded when the section is first opened (or once the page is idle), so the first screen carries no antd
// Select or Segmented.
import { Input, Select, Segmented, Typography } from "antd";
import { useEffect } from "react";

import { useLang, useT, type Messages } from "../../i18n";
import type { BriefDraft, BriefErrors, FocusRequest } from "./briefRules";
import { FIELD_IDS, focusField } from "./briefRules";
import { describedBy, Field } from "./LightFields";
import { INDUSTRIES } from "./model";

type Key =
  | "brand"
  | "industry"
  | "industryPh"
  | "length"
  | "short"
  | "medium"
  | "long"
  | "price"
  | "cta"
  | "ctaPh"
  | "posterNote";

const messages: Messages<Key> = {
  zh: {
    brand: "品牌名称（文案中出现的写法）",
    industry: "行业（用于行业合规规则）",
    industryPh: "不限",
    length: "正文长度",
    short: "精简",
    medium: "适中",
    long: "详细",
    price: "海报价格",
    cta: "行动号召",
    ctaPh: "例如：立即抢购",
    posterNote: "海报使用品牌规范中的 Logo 与色板",
  },
  en: {
    brand: "Brand name (as written in copy)",
    industry: "Industry (for industry rules)",
    industryPh: "Any",
    length: "Body length",
    short: "Short",
    medium: "Medium",
    long: "Long",
    price: "Poster price",
    cta: "Call to action",
    ctaPh: "e.g. Shop now",
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

export default function BriefMore({
  draft,
  errors,
  focus,
  onChange,
}: {
  draft: BriefDraft;
  errors: BriefErrors;
  /** a field the form asked to bring into view (once this part has mounted) */
  focus: FocusRequest;
  onChange: (patch: Partial<BriefDraft>) => void;
}) {
  const t = useT(messages);
  const { lang } = useLang();
  const poster = draft.kinds.includes("poster");
  useEffect(() => {
    if (focus?.field === "brand") focusField("brand");
  }, [focus]);
  return (
    <>
      <Field id={FIELD_IDS.brand} label={t("brand")} required error={errors.brand}>
        <Input
          id={FIELD_IDS.brand}
          maxLength={60}
          data-testid="brief-brand"
          value={draft.brand}
          onChange={(event) => onChange({ brand: event.target.value })}
          status={errors.brand ? "error" : undefined}
          aria-required
          {...describedBy(FIELD_IDS.brand, errors.brand)}
        />
      </Field>
      <div className="lc-row">
        <Field id="brief_industry" label={t("industry")}>
          <Select
            id="brief_industry"
            allowClear
            style={{ width: "100%" }}
            placeholder={t("industryPh")}
            value={draft.industry}
            onChange={(industry?: string) => onChange({ industry })}
            options={INDUSTRIES.map((value) => ({ value, label: INDUSTRY_LABELS[lang][value] }))}
          />
        </Field>
        <Field id="brief_length" label={t("length")} group>
          <Segmented
            aria-labelledby="brief_length-label"
            value={draft.length}
            onChange={(length) => onChange({ length: length as BriefDraft["length"] })}
            options={[
              { value: "short", label: t("short") },
              { value: "medium", label: t("medium") },
              { value: "long", label: t("long") },
            ]}
          />
        </Field>
      </div>
      {poster ? (
        <div className="lc-row">
          <Field id="brief_price" label={t("price")}>
            <Input id="brief_price" maxLength={40} placeholder="¥199" value={draft.price} onChange={(event) => onChange({ price: event.target.value })} />
          </Field>
          <Field id="brief_cta" label={t("cta")}>
            <Input id="brief_cta" maxLength={40} placeholder={t("ctaPh")} value={draft.cta} onChange={(event) => onChange({ cta: event.target.value })} />
          </Field>
        </div>
      ) : null}
      {poster ? (
        <Typography.Text type="secondary" style={{ display: "block", marginBottom: 12 }}>
          {t("posterNote")}
        </Typography.Text>
      ) : null}
    </>
  );
}
