// The brief form's state, its checks and the plan it makes (pure: no React, no antd).
import { MAX_SELLING_POINTS, MAX_VARIANTS, MAX_VIDEOS, VIDEO_PRESETS, type BriefValues } from "./model";

/** What the form edits: the brief's values, with the count as typed. */
export type BriefDraft = Omit<BriefValues, "count" | "footageRef"> & { count: string };

/** Fields that can be wrong, in the order they appear (the first wrong one gets the focus). */
export const CHECKED_FIELDS = ["product", "sellingPoints", "platforms", "kinds", "count", "footage", "brand"] as const;
export type CheckedField = (typeof CHECKED_FIELDS)[number];
export type BriefErrors = Partial<Record<CheckedField, string>>;
/** Asks the part of the form that shows `field` to bring it into view (a new `seq` asks again). */
export type FocusRequest = { field: CheckedField; seq: number } | null;

/** The element that takes the focus (or names the group) for each checked field. */
export const FIELD_IDS: Record<CheckedField, string> = {
  product: "brief_product",
  sellingPoints: "brief_points",
  platforms: "brief_platforms",
  kinds: "brief_kinds",
  count: "brief_count",
  footage: "brief_footage",
  brand: "brief_brand",
};

export type RuleMessage = "productReq" | "pointsMax" | "platformsReq" | "kindsReq" | "countRange" | "footageReq" | "brandReq";

export function initialDraft(brandName: string): BriefDraft {
  return {
    brand: brandName,
    product: "",
    sellingPoints: [],
    audience: "",
    platforms: [],
    tone: "",
    count: "6",
    kinds: ["copy"],
    industry: undefined,
    length: "medium",
    price: "",
    cta: "",
    footage: [],
    videoScale: 1,
  };
}

/** The count as a whole number in range, or null. */
export function parseCount(text: string): number | null {
  if (!/^\s*\d+\s*$/.test(text)) return null;
  const count = Number(text);
  return count >= 1 && count <= MAX_VARIANTS ? count : null;
}

/** Every rule the brief breaks, with its message. */
export function checkBrief(
  draft: BriefDraft,
  message: (key: RuleMessage, vars?: Record<string, number>) => string,
): BriefErrors {
  const errors: BriefErrors = {};
  if (!draft.product.trim()) errors.product = message("productReq");
  if (draft.sellingPoints.length > MAX_SELLING_POINTS) errors.sellingPoints = message("pointsMax", { n: MAX_SELLING_POINTS });
  if (draft.platforms.length === 0) errors.platforms = message("platformsReq");
  if (draft.kinds.length === 0) errors.kinds = message("kindsReq");
  if (parseCount(draft.count) === null) errors.count = message("countRange", { max: MAX_VARIANTS });
  if (draft.kinds.includes("video") && draft.footage.length === 0) errors.footage = message("footageReq");
  if (!draft.brand.trim()) errors.brand = message("brandReq");
  return errors;
}

/** The values to submit (only called once `checkBrief` found nothing). */
export function briefValues(draft: BriefDraft, footageRef: string): BriefValues {
  return { ...draft, count: parseCount(draft.count) ?? 1, footageRef };
}

/** How many jobs and pieces the brief asks for. */
export function planOf(draft: BriefDraft): { jobs: number; total: number } {
  const count = parseCount(draft.count) ?? 0;
  let jobs = 0;
  let total = 0;
  for (const platform of draft.platforms) {
    if (draft.kinds.includes("poster") || draft.kinds.includes("copy")) {
      jobs += 1;
      total += count;
    }
    if (draft.kinds.includes("video") && VIDEO_PRESETS[platform]) {
      jobs += 1;
      total += Math.min(count, MAX_VIDEOS);
    }
  }
  return { jobs, total };
}

/** Bring a field into view and give it the focus (a group: its first control). */
export function focusField(field: CheckedField): boolean {
  const element = document.getElementById(FIELD_IDS[field]);
  if (!element) return false;
  const target = element.matches("input, textarea, button, select") ? element : element.querySelector<HTMLElement>("input, button");
  element.scrollIntoView({ block: "nearest" });
  (target ?? element).focus({ preventScroll: true });
  return true;
}
