// Names of review states, levels, severities and compliance categories, in both languages, with tags.
import { ClockCircleOutlined } from "@ant-design/icons";
import { Tag, Tooltip } from "antd";
import { useCallback } from "react";

import { useLang, useT, type Messages } from "../../i18n";
import { relativeDue, type ReviewItem, type ReviewLevel, type ReviewState, type Severity } from "./model";

type LabelKey =
  | ReviewState
  | "level_ai"
  | "level_agency"
  | "level_brand"
  | "sev_block"
  | "sev_warn"
  | "sev_info"
  | "sev_pass"
  | "sev_error"
  | "waiting"
  | "overdue"
  | "due"
  | "findings";

const messages: Messages<LabelKey> = {
  zh: {
    submitted: "AI 检测中",
    ai_checked: "AI 已检",
    agency_approved: "代理商已通过",
    agency_rejected: "代理商驳回",
    brand_approved: "品牌已通过",
    brand_rejected: "品牌驳回",
    changes_requested: "需修改",
    withdrawn: "已撤回",
    level_ai: "AI 检测",
    level_agency: "代理商审核",
    level_brand: "品牌审核",
    sev_block: "阻断",
    sev_warn: "警告",
    sev_info: "提示",
    sev_pass: "通过",
    sev_error: "检测失败",
    waiting: "待{level}",
    overdue: "已超时",
    due: "截止 {time}",
    findings: "{n} 项问题（{severity}）",
  },
  en: {
    submitted: "AI checking",
    ai_checked: "AI checked",
    agency_approved: "Agency approved",
    agency_rejected: "Agency rejected",
    brand_approved: "Brand approved",
    brand_rejected: "Brand rejected",
    changes_requested: "Changes requested",
    withdrawn: "Withdrawn",
    level_ai: "AI check",
    level_agency: "agency review",
    level_brand: "brand review",
    sev_block: "Block",
    sev_warn: "Warn",
    sev_info: "Info",
    sev_pass: "Pass",
    sev_error: "Check failed",
    waiting: "Waiting for {level}",
    overdue: "Overdue",
    due: "Due {time}",
    findings: "{n} finding(s), {severity}",
  },
};

const CATEGORY: Record<"zh" | "en", Record<string, string>> = {
  zh: {
    ABSOLUTE_TERMS: "绝对化用语",
    STATE_SYMBOLS: "国家象征",
    MEDICAL_CLAIMS: "医疗功效宣称",
    GUARANTEES: "承诺保证",
    SUPERSTITION: "封建迷信",
    DISCRIMINATION: "歧视性内容",
    VULGAR: "低俗内容",
    DISPARAGING: "贬低竞品",
    MINORS: "未成年人保护",
    FALSE_ENDORSEMENT: "虚假代言",
    PLATFORM_DIVERSION: "站外导流",
    PLATFORM_INDUCEMENT: "诱导互动",
  },
  en: {
    ABSOLUTE_TERMS: "Absolute terms",
    STATE_SYMBOLS: "State symbols",
    MEDICAL_CLAIMS: "Medical claims",
    GUARANTEES: "Guarantees",
    SUPERSTITION: "Superstition",
    DISCRIMINATION: "Discrimination",
    VULGAR: "Vulgar content",
    DISPARAGING: "Disparaging",
    MINORS: "Minors",
    FALSE_ENDORSEMENT: "False endorsement",
    PLATFORM_DIVERSION: "Off-platform diversion",
    PLATFORM_INDUCEMENT: "Engagement bait",
  },
};

export const STATE_COLOR: Record<ReviewState, string> = {
  submitted: "processing",
  ai_checked: "blue",
  agency_approved: "cyan",
  agency_rejected: "red",
  brand_approved: "green",
  brand_rejected: "red",
  changes_requested: "orange",
  withdrawn: "default",
};

export const SEVERITY_COLOR: Record<Severity, string> = { block: "red", warn: "gold", info: "blue" };

export function useReviewLabels() {
  const t = useT(messages);
  const { lang } = useLang();
  const state = useCallback((value: ReviewState) => t(value), [t]);
  const level = useCallback((value: ReviewLevel) => t(`level_${value}`), [t]);
  const severity = useCallback((value: Severity | "pass" | "error") => t(`sev_${value}`), [t]);
  const category = useCallback(
    (code: string) => {
      const known = CATEGORY[lang][code];
      if (known) return known;
      if (code.startsWith("BRAND_")) return (lang === "zh" ? "品牌规范 · " : "Brand VI · ") + code.slice(6);
      if (code.startsWith("SPEC_")) return (lang === "zh" ? "平台规格 · " : "Platform spec · ") + code.slice(5);
      return code;
    },
    [lang],
  );
  return { t, lang, state, level, severity, category };
}

/** The item's state, and the level it waits for while open (an AI-checked item shows only who is next). */
export function StateTag({ item }: { item: ReviewItem }) {
  const labels = useReviewLabels();
  const waiting = item.pending_level && item.pending_level !== "ai" ? item.pending_level : null;
  return (
    <span data-testid="review-state" data-state={item.state}>
      {(item.state !== "ai_checked" || !waiting) && (
        <Tag color={STATE_COLOR[item.state]} style={{ marginInlineEnd: 4 }}>
          {labels.state(item.state)}
        </Tag>
      )}
      {waiting && (
        <Tag color={item.state === "ai_checked" ? "blue" : undefined} variant={item.state === "ai_checked" ? undefined : "outlined"}>
          {labels.t("waiting", { level: labels.level(waiting) })}
        </Tag>
      )}
    </span>
  );
}

/** SLA: time left or late while the item waits for someone; a red "overdue" tag when late. */
export function SlaTag({ item }: { item: ReviewItem }) {
  const labels = useReviewLabels();
  if (!item.due_at || !item.pending_level) return <span aria-hidden>—</span>;
  const due = new Date(item.due_at).toLocaleString(labels.lang === "zh" ? "zh-CN" : "en-GB");
  return (
    <Tooltip title={`${item.overdue ? `${labels.t("overdue")} · ` : ""}${labels.t("due", { time: due })}`}>
      {item.overdue ? (
        <Tag color="red" icon={<ClockCircleOutlined />} data-testid="review-overdue">
          {relativeDue(item.due_at, labels.lang)}
        </Tag>
      ) : (
        <Tag>{relativeDue(item.due_at, labels.lang)}</Tag>
      )}
    </Tooltip>
  );
}

/** Count and worst severity of the AI findings (or the verdict when there are none). */
export function FindingsSummary({ item, count, worst }: { item: ReviewItem; count: number; worst: Severity | null }) {
  const labels = useReviewLabels();
  if (item.state === "submitted") return <Tag color="processing">{labels.state("submitted")}</Tag>;
  const [color, text] =
    item.ai_verdict === "error"
      ? ["volcano", labels.severity("error")]
      : worst
        ? [SEVERITY_COLOR[worst], labels.t("findings", { n: count, severity: labels.severity(worst) })]
        : ["green", labels.severity("pass")];
  return (
    <Tag color={color} variant="outlined" data-testid="review-ai-summary">
      AI · {text}
    </Tag>
  );
}
