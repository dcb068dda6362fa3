// The brand VI pack (compliance_rules/brand.py BrandVI) as the editor's form values, and back; backend
// problems addressed by field ("palette.0.hex") mapped onto form fields.
import type { Schemas } from "../../api/client";

export type BrandVI = Schemas["BrandVI"];
export type Severity = "block" | "warn" | "info";

export interface WordRow {
  term: string;
  suggestion?: string | null;
  severity: Severity;
}

export interface PaletteRow {
  name: string;
  hex: string;
  tolerance_de: number;
}

export interface LogoRow {
  path: string;
  min_width_px?: number | null;
  /** Smallest width as a percentage of the creative's width (min_width_ratio × 100). */
  min_width_pct?: number | null;
  required: boolean;
}

export interface KitForm {
  brand: string;
  version: string;
  forbidden_words: WordRow[];
  required_words: string[];
  required_disclaimers: string[];
  palette: PaletteRow[];
  /** palette_min_share × 100. */
  palette_min_share_pct: number;
  logos: LogoRow[];
  fonts: string[];
}

const str = (value: unknown, fallback = ""): string => (typeof value === "string" ? value : value == null ? fallback : String(value));
const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const rec = (value: unknown): Record<string, unknown> => (value && typeof value === "object" ? (value as Record<string, unknown>) : {});
const round = (value: number) => Math.round(value * 1000) / 1000;

/** Form values from a stored pack, or from a draft that does not validate (best effort), or blank. */
export function toForm(source: BrandVI | Record<string, unknown> | null | undefined, brandSlug: string): KitForm {
  const data = rec(source);
  const share = num(data.palette_min_share);
  return {
    brand: str(data.brand, brandSlug) || brandSlug,
    version: str(data.version, "1") || "1",
    forbidden_words: list(data.forbidden_words).map((item) => {
      const word = rec(item);
      const severity = str(word.severity, "block");
      return {
        term: str(word.term),
        suggestion: word.suggestion == null ? null : str(word.suggestion),
        severity: (["block", "warn", "info"].includes(severity) ? severity : "block") as Severity,
      };
    }),
    required_words: list(data.required_words).map((item) => str(item)),
    required_disclaimers: list(data.required_disclaimers).map((item) => str(item)),
    palette: list(data.palette).map((item) => {
      const colour = rec(item);
      const hex = str(colour.hex).trim();
      return {
        name: str(colour.name),
        hex: hex && !hex.startsWith("#") ? `#${hex}`.toUpperCase() : hex.toUpperCase(),
        tolerance_de: num(colour.tolerance_de) ?? 10,
      };
    }),
    palette_min_share_pct: round((share ?? 0.05) * 100),
    logos: list(data.logos).map((item) => {
      const logo = rec(item);
      const ratio = num(logo.min_width_ratio);
      return {
        path: str(logo.path),
        min_width_px: num(logo.min_width_px),
        min_width_pct: ratio == null ? null : round(ratio * 100),
        required: logo.required === undefined ? true : Boolean(logo.required),
      };
    }),
    fonts: list(data.fonts).map((item) => str(item)),
  };
}

const blank = (value: string | null | undefined) => !value || !value.trim();

/** The pack to send: empty optionals dropped, percentages back to shares. */
export function fromForm(values: KitForm): Record<string, unknown> {
  return {
    brand: values.brand.trim(),
    version: values.version.trim(),
    forbidden_words: (values.forbidden_words ?? []).map((word) => ({
      term: word.term.trim(),
      ...(blank(word.suggestion) ? {} : { suggestion: word.suggestion?.trim() }),
      severity: word.severity,
    })),
    required_words: (values.required_words ?? []).map((word) => word.trim()),
    required_disclaimers: (values.required_disclaimers ?? []).map((word) => word.trim()),
    palette: (values.palette ?? []).map((colour) => ({
      name: colour.name.trim(),
      hex: colour.hex.trim().toUpperCase(),
      tolerance_de: colour.tolerance_de,
    })),
    palette_min_share: round((values.palette_min_share_pct ?? 5) / 100),
    logos: (values.logos ?? []).map((logo) => ({
      path: logo.path.trim(),
      ...(logo.min_width_px == null ? {} : { min_width_px: logo.min_width_px }),
      ...(logo.min_width_pct == null ? {} : { min_width_ratio: round(logo.min_width_pct / 100) }),
      required: logo.required,
    })),
    fonts: (values.fonts ?? []).map((font) => font.trim()),
  };
}

/** The form field a backend problem names ("palette.0.hex" → ["palette", 0, "hex"]), or null. */
export function formField(field: string): (string | number)[] | null {
  if (!field) return null;
  const parts: (string | number)[] = field.split(".").map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  if (parts[0] === "palette_min_share") return ["palette_min_share_pct"];
  if (parts[0] === "logos" && parts[2] === "min_width_ratio") return ["logos", parts[1], "min_width_pct"];
  const known = ["brand", "version", "forbidden_words", "required_words", "required_disclaimers", "palette", "logos", "fonts"];
  if (typeof parts[0] !== "string" || !known.includes(parts[0])) return null;
  // Tag lists are one field: "required_words.2" belongs to "required_words".
  if (["required_words", "required_disclaimers", "fonts"].includes(parts[0])) return [parts[0]];
  // A whole row ("palette.0") is shown on its first field.
  if (parts.length === 2 && typeof parts[1] === "number") {
    const first: Record<string, string> = { forbidden_words: "term", palette: "name", logos: "path" };
    return [...parts, first[parts[0]] ?? "name"];
  }
  return parts;
}
