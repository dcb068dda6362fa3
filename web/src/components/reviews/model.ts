// Review queue types and pure helpers shared by the review pages (no React here).
import type { Schemas } from "../../api/client";

export type ReviewItem = Schemas["ReviewItemPublic"];
export type ReviewState = Schemas["State"];
export type ReviewLevel = Schemas["Level"];
export type ReviewAction = Schemas["Action"];
export type Decision = Schemas["DecisionPublic"];
export type ReviewComment = Schemas["CommentPublic"];

export type Severity = "block" | "warn" | "info";

/** One AI finding as the check stored it on the item (serving/reviews/ai_check.py `_findings_json`). */
export interface Finding {
  index: number;
  category: string;
  rule_id: string;
  severity: Severity;
  /** [start, end) in code points of the copy's text. */
  span: [number, number] | null;
  matched: string;
  law_ref: string | null;
  message: string;
  suggestion: string | null;
  source: string;
  /** Polygon in image pixels (OCR / image findings). */
  box: [number, number][] | null;
  frame_s: number | null;
  rewrite: string | null;
  /** Set once a brand reviewer marked the finding a false alarm (the reviewed exception's id). */
  excused_by: string | null;
}

export const OPEN_STATES: readonly ReviewState[] = ["submitted", "ai_checked", "agency_approved"];
export const RESUBMITTABLE: readonly ReviewState[] = ["agency_rejected", "brand_rejected", "changes_requested", "withdrawn"];
export const CLOSED_STATES: readonly ReviewState[] = [
  "brand_approved",
  "brand_rejected",
  "agency_rejected",
  "changes_requested",
  "withdrawn",
];
export const ALL_STATES: readonly ReviewState[] = [
  "submitted",
  "ai_checked",
  "agency_approved",
  "agency_rejected",
  "brand_approved",
  "brand_rejected",
  "changes_requested",
  "withdrawn",
];

const SEVERITY_RANK: Record<Severity, number> = { block: 3, warn: 2, info: 1 };

function asNumber(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function asText(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function asSpan(value: unknown): [number, number] | null {
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [start, end] = value.map(asNumber);
  return start !== null && end !== null && end > start ? [start, end] : null;
}

function asBox(value: unknown): [number, number][] | null {
  if (!Array.isArray(value) || value.length < 2) return null;
  const points: [number, number][] = [];
  for (const point of value) {
    if (!Array.isArray(point) || point.length !== 2) return null;
    const [x, y] = point.map(asNumber);
    if (x === null || y === null) return null;
    points.push([x, y]);
  }
  return points;
}

function asSeverity(value: unknown): Severity {
  return value === "block" || value === "warn" ? value : "info";
}

/** Read one stored finding defensively (the API types findings as free-form objects). */
export function parseFinding(raw: Record<string, unknown>, fallbackIndex: number): Finding {
  return {
    index: asNumber(raw.index) ?? fallbackIndex,
    category: asText(raw.category) ?? "",
    rule_id: asText(raw.rule_id) ?? "",
    severity: asSeverity(raw.severity),
    span: asSpan(raw.span),
    matched: asText(raw.matched) ?? "",
    law_ref: asText(raw.law_ref),
    message: asText(raw.message) ?? "",
    suggestion: asText(raw.suggestion),
    source: asText(raw.source) ?? "text",
    box: asBox(raw.box),
    frame_s: asNumber(raw.frame_s),
    rewrite: asText(raw.rewrite),
    excused_by: asText(raw.excused_by),
  };
}

export function findingsOf(item: ReviewItem): Finding[] {
  return (item.ai_findings ?? []).map((raw, index) => parseFinding(raw, index));
}

/** Findings a marked false alarm excused (stored as `{finding, exception_id}`). */
export function excusedOf(item: ReviewItem): { finding: Finding; exceptionId: string }[] {
  return (item.ai_excused ?? []).flatMap((raw, index) => {
    const finding = raw.finding;
    if (!finding || typeof finding !== "object") return [];
    return [
      {
        finding: parseFinding(finding as Record<string, unknown>, index),
        exceptionId: asText(raw.exception_id) ?? "",
      },
    ];
  });
}

export function worstSeverity(findings: readonly Finding[]): Severity | null {
  let worst: Severity | null = null;
  for (const finding of findings) {
    if (!worst || SEVERITY_RANK[finding.severity] > SEVERITY_RANK[worst]) worst = finding.severity;
  }
  return worst;
}

export function isOpen(item: ReviewItem): boolean {
  return OPEN_STATES.includes(item.state);
}

export function canResubmit(item: ReviewItem): boolean {
  return RESUBMITTABLE.includes(item.state) && !item.superseded_by;
}

/** Preview (thumbnail / poster) and raw content paths of the exact version under review. */
export function previewPath(item: ReviewItem, role: "thumbnail" | "poster" = "thumbnail"): string | null {
  if (item.asset_kind !== "image" && item.asset_kind !== "video") return null;
  return `/v1/brands/${encodeURIComponent(item.brand_id)}/previews/${encodePath(item.path)}?ref=${encodeURIComponent(item.commit_id)}&role=${role}`;
}

export function rawPath(item: ReviewItem): string {
  return `/v1/brands/${encodeURIComponent(item.brand_id)}/raw/${encodePath(item.path)}?ref=${encodeURIComponent(item.commit_id)}`;
}

export function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** Split text into plain and highlighted segments by findings' code-point spans (overlaps merged). */
export function highlightSegments(
  text: string,
  findings: readonly Finding[],
): { text: string; findings: Finding[] }[] {
  const chars = Array.from(text);
  const marks: Finding[][] = chars.map(() => []);
  for (const finding of findings) {
    if (!finding.span || (finding.source !== "text" && finding.source !== "title")) continue;
    const end = Math.min(finding.span[1], chars.length);
    for (let i = Math.max(finding.span[0], 0); i < end; i += 1) marks[i]!.push(finding);
  }
  const segments: { text: string; findings: Finding[] }[] = [];
  chars.forEach((char, i) => {
    const here = marks[i]!;
    const last = segments[segments.length - 1];
    const same =
      last && last.findings.length === here.length && last.findings.every((finding, k) => finding === here[k]);
    if (last && same) last.text += char;
    else segments.push({ text: char, findings: here });
  });
  return segments;
}

/** Hours (possibly fractional) as a short human duration. */
export function formatHours(hours: number | null | undefined, lang: "zh" | "en"): string {
  if (hours === null || hours === undefined) return "—";
  const minutes = Math.round(hours * 60);
  if (minutes < 60) return lang === "zh" ? `${Math.max(minutes, 1)} 分钟` : `${Math.max(minutes, 1)} min`;
  if (hours < 48) return lang === "zh" ? `${hours.toFixed(1)} 小时` : `${hours.toFixed(1)} h`;
  return lang === "zh" ? `${(hours / 24).toFixed(1)} 天` : `${(hours / 24).toFixed(1)} d`;
}

export function formatTime(iso: string | null | undefined, lang: "zh" | "en"): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", {
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** "in 3 h" / "2 h late" relative to now, for SLA tags. */
export function relativeDue(iso: string, lang: "zh" | "en", now: number = Date.now()): string {
  const diffHours = (new Date(iso).getTime() - now) / 3_600_000;
  const span = formatHours(Math.abs(diffHours), lang);
  if (diffHours >= 0) return lang === "zh" ? `剩 ${span}` : `${span} left`;
  return lang === "zh" ? `超时 ${span}` : `${span} late`;
}

/** The message to show for a failed call: the API's human detail, else the error's text. */
export function errorText(error: unknown): string {
  if (error && typeof error === "object" && "detail" in error && "code" in error) {
    const { detail, code } = error as { detail: unknown; code: unknown };
    if (typeof detail === "string" && detail) return detail;
    if (typeof code === "string") return code;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The API's machine-readable code of a failed call, if any. */
export function errorCode(error: unknown): string | null {
  if (error && typeof error === "object" && "code" in error) {
    const { code } = error as { code: unknown };
    return typeof code === "string" ? code : null;
  }
  return null;
}
