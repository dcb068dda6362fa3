// Small helpers shared by the governance pages: ids, asset URLs, relative times and API error details.
import { useCallback } from "react";

import { ApiError } from "../../api/client";
import { useLang } from "../../i18n";

export const MAIN = "main";

/** The first characters of a commit id (what people quote). */
export function shortId(id: string | null | undefined, length = 7): string {
  return id ? id.slice(0, length) : "";
}

/** The first line of a commit message. */
export function firstLine(text: string | null | undefined): string {
  return (text ?? "").split("\n", 1)[0] ?? "";
}

/** An asset path for a URL: each segment encoded, the slashes kept. */
export function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

export function previewUrl(brandId: string, path: string, ref: string, role: "thumbnail" | "poster" = "thumbnail"): string {
  const query = new URLSearchParams({ ref, role });
  return `/v1/brands/${encodeURIComponent(brandId)}/previews/${encodePath(path)}?${query}`;
}

export function rawUrl(brandId: string, path: string, ref: string): string {
  return `/v1/brands/${encodeURIComponent(brandId)}/raw/${encodePath(path)}?${new URLSearchParams({ ref })}`;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** `when(iso)` → "3 分钟前" / "3 minutes ago"; `exact(iso)` → the local date and time. */
export function useTimes(): { when: (iso: string) => string; exact: (iso: string) => string } {
  const { lang } = useLang();
  const locale = lang === "zh" ? "zh-CN" : "en";
  const when = useCallback(
    (iso: string) => {
      const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
      const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
      for (const [unit, size] of UNITS) {
        if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
      }
      return format.format(0, "minute");
    },
    [locale],
  );
  const exact = useCallback((iso: string) => new Date(iso).toLocaleString(locale), [locale]);
  return { when, exact };
}

/** The message to show for a failed call: the API's detail, or the error's text. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.detail || error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

function details(error: unknown): Record<string, unknown> | null {
  if (!(error instanceof ApiError)) return null;
  const body = error.body as { details?: unknown } | null;
  return body && typeof body.details === "object" && body.details !== null ? (body.details as Record<string, unknown>) : null;
}

export interface GateViolation {
  path: string;
  code: string;
  message: string;
}

/** The assets the pre-merge gate refused (a 409 `merge_blocked`), or null for any other error. */
export function gateViolations(error: unknown): GateViolation[] | null {
  if (!(error instanceof ApiError) || error.code !== "merge_blocked") return null;
  const listed = details(error)?.violations;
  return Array.isArray(listed) ? (listed as GateViolation[]) : [];
}

/** The paths a merge or revert could not combine (a 409 `merge_conflict`), or null. */
export function mergeConflicts(error: unknown): { paths: string[]; count: number } | null {
  if (!(error instanceof ApiError) || error.code !== "merge_conflict") return null;
  const found = details(error);
  const listed = Array.isArray(found?.conflicts) ? (found.conflicts as { path?: string }[]) : [];
  const paths = listed.map((item) => String(item.path ?? ""));
  return { paths, count: typeof found?.count === "number" ? found.count : paths.length };
}
