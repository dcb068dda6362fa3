// Words for review states, gate refusals and change statuses, shared by the branch and merge views.
import { useCallback } from "react";

import { useT, type Messages } from "../../i18n";

type Key =
  | "submitted"
  | "ai_checked"
  | "agency_approved"
  | "agency_rejected"
  | "brand_approved"
  | "brand_rejected"
  | "changes_requested"
  | "withdrawn"
  | "unreviewed"
  | "exempt"
  | "not_reviewed"
  | "review_pending"
  | "not_approved"
  | "added"
  | "modified"
  | "deleted";

const messages: Messages<Key> = {
  zh: {
    submitted: "待 AI 检测",
    ai_checked: "待人工审核",
    agency_approved: "代理商已通过",
    agency_rejected: "代理商已驳回",
    brand_approved: "品牌已通过",
    brand_rejected: "品牌已驳回",
    changes_requested: "需修改",
    withdrawn: "已撤回",
    unreviewed: "未提交审核",
    exempt: "无需审核",
    not_reviewed: "未提交审核",
    review_pending: "仍在审核中",
    not_approved: "审核未通过",
    added: "新增",
    modified: "修改",
    deleted: "删除",
  },
  en: {
    submitted: "Awaiting AI check",
    ai_checked: "Awaiting review",
    agency_approved: "Agency approved",
    agency_rejected: "Agency rejected",
    brand_approved: "Brand approved",
    brand_rejected: "Brand rejected",
    changes_requested: "Changes requested",
    withdrawn: "Withdrawn",
    unreviewed: "Not submitted",
    exempt: "No review needed",
    not_reviewed: "Never submitted for review",
    review_pending: "Still in review",
    not_approved: "Not approved",
    added: "Added",
    modified: "Modified",
    deleted: "Deleted",
  },
};

const STATE_COLORS: Record<string, string> = {
  submitted: "processing",
  ai_checked: "processing",
  agency_approved: "cyan",
  agency_rejected: "error",
  brand_approved: "success",
  brand_rejected: "error",
  changes_requested: "warning",
  withdrawn: "default",
  unreviewed: "default",
  exempt: "default",
  not_reviewed: "default",
  review_pending: "processing",
  not_approved: "error",
};

export const STATUS_COLORS: Record<string, string> = { added: "green", modified: "blue", deleted: "red" };

/** Paths the merge gate lets through unreviewed (the brand kit; `reviews.gate_exempt_prefixes`). */
export const GATE_EXEMPT_PREFIXES = ["brand/"];

export function useGovLabels(): { label: (key: string) => string; color: (key: string) => string } {
  const t = useT(messages);
  const label = useCallback((key: string) => (key in messages.zh ? t(key as Key) : key), [t]);
  const color = useCallback((key: string) => STATE_COLORS[key] ?? STATUS_COLORS[key] ?? "default", []);
  return { label, color };
}
