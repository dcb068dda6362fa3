// The studio's data model: platforms and kinds, the brief → generation jobs, job results → variants,
// and the run (which jobs, which regenerations) kept in the URL so a reload resumes it.
import type { Schemas } from "../../api/client";

export type Job = Schemas["JobPublic"];
export type Verdict = "pass" | "warn" | "block";

/** The copy platforms the backend knows (compliance_rules.taxonomy.PLATFORMS), in the order marketers use. */
export const PLATFORMS = [
  "xiaohongshu",
  "douyin",
  "wechat",
  "taobao",
  "weibo",
  "kuaishou",
  "bilibili",
  "offline_screen",
] as const;
export type Platform = (typeof PLATFORMS)[number];

export const PLATFORM_LABELS: Record<"zh" | "en", Record<Platform, string>> = {
  zh: {
    xiaohongshu: "小红书",
    douyin: "抖音",
    wechat: "微信",
    taobao: "淘宝 / 天猫",
    weibo: "微博",
    kuaishou: "快手",
    bilibili: "哔哩哔哩",
    offline_screen: "线下大屏",
  },
  en: {
    xiaohongshu: "Xiaohongshu",
    douyin: "Douyin",
    wechat: "WeChat",
    taobao: "Taobao / Tmall",
    weibo: "Weibo",
    kuaishou: "Kuaishou",
    bilibili: "Bilibili",
    offline_screen: "Offline screen",
  },
};

/** Video presets by copy platform (pipelines/video/presets.py); Weibo has none. */
export const VIDEO_PRESETS: Record<Platform, string | null> = {
  xiaohongshu: "xiaohongshu",
  douyin: "douyin",
  wechat: "channels",
  taobao: "taobao",
  weibo: null,
  kuaishou: "kuaishou",
  bilibili: "bilibili",
  offline_screen: "offline_screen",
};

export const INDUSTRIES = [
  "cosmetics",
  "food_beverage",
  "apparel",
  "electronics",
  "home_appliances",
  "mother_baby",
  "health_food",
  "sports",
  "retail",
  "other",
] as const;

export type Kind = "copy" | "poster" | "video";
export const MAX_VARIANTS = 100;
export const MAX_VIDEOS = 20;
export const MAX_SELLING_POINTS = 12;

export interface BriefValues {
  brand: string;
  product: string;
  sellingPoints: string[];
  audience: string;
  platforms: Platform[];
  tone: string;
  count: number;
  kinds: Kind[];
  industry?: string;
  length: "short" | "medium" | "long";
  price?: string;
  cta?: string;
  footage: string[];
  footageRef: string;
  videoScale: number;
}

export interface GenerationRequest {
  kind: "copy" | "creative" | "video";
  platform: Platform;
  brief: Record<string, unknown>;
}

function copyBrief(values: BriefValues, platform: Platform): Record<string, unknown> {
  const brief: Record<string, unknown> = {
    brand: (values.brand ?? "").trim(),
    product: (values.product ?? "").trim(),
    selling_points: (values.sellingPoints ?? []).map((p) => p.trim()).filter(Boolean).slice(0, MAX_SELLING_POINTS),
    audience: (values.audience ?? "").trim(),
    platform,
    tone: (values.tone ?? "").trim(),
    length: values.length,
    num_variants: values.count,
    seed: randomSeed(),
  };
  if (values.industry) brief.industry = values.industry;
  return brief;
}

function videoBrief(values: BriefValues, preset: string): Record<string, unknown> {
  const lines = [values.product ?? "", ...(values.sellingPoints ?? [])].map((l) => l.trim()).filter(Boolean);
  const brief: Record<string, unknown> = {
    footage: values.footage,
    ref: values.footageRef,
    script: lines.join("\n").slice(0, 2000).split("\n"),
    preset,
    n: Math.min(values.count, MAX_VIDEOS),
    scale: values.videoScale,
    hook_text: (values.product ?? "").trim().slice(0, 40),
    seed: randomSeed(),
  };
  if (values.cta?.trim()) brief.cta_text = values.cta.trim().slice(0, 40);
  return brief;
}

/** One job per platform and output: copy (or copy + posters as a `creative` job) and video remixes. */
export function requestsFor(values: BriefValues): GenerationRequest[] {
  const out: GenerationRequest[] = [];
  for (const platform of values.platforms) {
    if (values.kinds.includes("poster")) {
      const poster: Record<string, unknown> = {};
      if (values.price?.trim()) poster.price = values.price.trim();
      if (values.cta?.trim()) poster.cta = values.cta.trim();
      out.push({ kind: "creative", platform, brief: { ...copyBrief(values, platform), poster } });
    } else if (values.kinds.includes("copy")) {
      out.push({ kind: "copy", platform, brief: copyBrief(values, platform) });
    }
    const preset = VIDEO_PRESETS[platform];
    if (values.kinds.includes("video") && preset) {
      out.push({ kind: "video", platform, brief: videoBrief(values, preset) });
    }
  }
  return out;
}

/** The same brief asking for one new variant (a fresh seed), to replace one card. */
export function regenerateBrief(job: Job): Record<string, unknown> {
  const brief: Record<string, unknown> = { ...job.brief, seed: randomSeed() };
  if (job.kind === "video") brief.n = 1;
  else brief.num_variants = 1;
  delete brief.branch;
  return brief;
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

// ---- results → variants ---------------------------------------------------------------------------

export interface FindingLike {
  category: string;
  severity: string;
  matched?: string | null;
  message?: string | null;
  suggestion?: string | null;
  law_ref?: string | null;
}

export interface CopyPart {
  text: string;
  fields: Record<string, string | string[]>;
  verdict: Verdict;
  findings: FindingLike[];
  status: string;
  path: string | null;
}

export interface Rendition {
  size: string;
  width: number;
  height: number;
  path: string | null;
  specPath: string | null;
  findings: FindingLike[];
}

export interface PosterPart {
  verdict: Verdict;
  status: string;
  template: string;
  renditions: Rendition[];
}

export interface VideoPart {
  path: string;
  cover: string;
  duration: number;
}

export interface Variant {
  /** `${jobId}#${index}`: stable across reloads; regenerations are keyed by it. */
  key: string;
  jobId: string;
  kind: string;
  index: number;
  platform: Platform;
  branch: string | null;
  copy?: CopyPart;
  poster?: PosterPart;
  video?: VideoPart;
}

interface CopyVariantJson {
  index: number;
  text: string;
  fields: Record<string, string | string[]>;
  verdict: Verdict;
  findings: FindingLike[];
  status: string;
}

interface PosterJson {
  index: number;
  template: string;
  status: string;
  verdict: Verdict;
  renditions: { size: string; width: number; height: number; path: string | null; spec_path: string | null; findings: FindingLike[] }[];
}

interface VideoJson {
  variant: number;
  duration: number;
}

interface CopyResultJson {
  variants?: CopyVariantJson[];
}

function isPlatform(value: unknown): value is Platform {
  return typeof value === "string" && (PLATFORMS as readonly string[]).includes(value);
}

/** The copy platform a job was for (video jobs: by their preset). */
export function platformOf(job: Pick<Job, "kind" | "brief">): Platform | null {
  const brief = job.brief;
  if (isPlatform(brief.platform)) return brief.platform;
  const preset = brief.preset;
  const found = PLATFORMS.find((p) => VIDEO_PRESETS[p] === preset);
  return found ?? null;
}

function assetsBranch(result: Record<string, unknown>): string | null {
  const assets = result.assets as { branch?: unknown } | undefined;
  return typeof assets?.branch === "string" ? assets.branch : null;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

function copyPart(jobId: string, variant: CopyVariantJson, stored: boolean): CopyPart {
  return {
    text: variant.text,
    fields: variant.fields ?? {},
    verdict: variant.verdict,
    findings: variant.findings ?? [],
    status: variant.status,
    path: stored ? `copy/${jobId.toLowerCase()}/${pad(variant.index + 1, 3)}.txt` : null,
  };
}

function posterPart(poster: PosterJson): PosterPart {
  return {
    verdict: poster.verdict,
    status: poster.status,
    template: poster.template,
    renditions: poster.renditions.map((r) => ({
      size: r.size,
      width: r.width,
      height: r.height,
      path: r.path,
      specPath: r.spec_path,
      findings: r.findings ?? [],
    })),
  };
}

/** Every variant a finished job produced, in order. */
export function variantsOf(job: Job): Variant[] {
  const result = job.result;
  const platform = platformOf(job);
  if (!result || !platform) return [];
  const branch = assetsBranch(result);
  const stored = branch !== null;
  const base = { jobId: job.id, kind: job.kind, platform, branch };
  if (job.kind === "video") {
    const videos = (result.videos as VideoJson[] | undefined) ?? [];
    const stem = `videos/${job.id.toLowerCase()}`;
    return videos.map((video, i) => ({
      ...base,
      key: `${job.id}#${i}`,
      index: i,
      video: stored
        ? { path: `${stem}/${pad(video.variant + 1, 2)}.mp4`, cover: `${stem}/${pad(video.variant + 1, 2)}.jpg`, duration: video.duration }
        : undefined,
    }));
  }
  const copyResult = (job.kind === "creative" ? result.copy : result) as CopyResultJson | undefined;
  const copies = copyResult?.variants ?? [];
  const posters = (result.posters as PosterJson[] | undefined) ?? [];
  return copies.map((variant, i) => ({
    ...base,
    key: `${job.id}#${i}`,
    index: i,
    copy: copyPart(job.id, variant, stored),
    poster: posters[i] ? posterPart(posters[i]) : undefined,
  }));
}

const RANK: Record<Verdict, number> = { pass: 0, warn: 1, block: 2 };

export function worst(...verdicts: (Verdict | undefined)[]): Verdict | undefined {
  const known = verdicts.filter((v): v is Verdict => v !== undefined);
  if (known.length === 0) return undefined;
  return known.reduce((a, b) => (RANK[b] > RANK[a] ? b : a));
}

/** block if any finding blocks, warn if any warns, else pass. */
export function verdictOf(findings: FindingLike[]): Verdict {
  if (findings.some((f) => f.severity === "block")) return "block";
  if (findings.some((f) => f.severity === "warn")) return "warn";
  return "pass";
}

/** A variant's verdict and findings: an edited copy's re-check and edited renditions' checks replace the
job's. Videos carry no check of their own (undefined until checked). */
export function assess(
  variant: Variant,
  copyCheck: { verdict: string; findings: FindingLike[] } | undefined,
  posters: Record<string, { verdict: Verdict; findings: FindingLike[] }>,
): { verdict: Verdict | undefined; findings: FindingLike[] } {
  if (variant.video) return { verdict: undefined, findings: [] };
  const renditions = variant.poster?.renditions ?? [];
  const edited = (r: Rendition) => (r.path ? posters[r.path] : undefined);
  const posterFindings = renditions.flatMap((r) => edited(r)?.findings ?? r.findings);
  const posterVerdicts = renditions.map((r) => edited(r)?.verdict ?? verdictOf(r.findings));
  const copyVerdict = copyCheck ? (copyCheck.verdict as Verdict) : variant.copy?.verdict;
  const copyFindings = copyCheck ? copyCheck.findings : (variant.copy?.findings ?? []);
  return { verdict: worst(copyVerdict, ...posterVerdicts), findings: [...copyFindings, ...posterFindings] };
}

export function isTerminal(status: string | undefined): boolean {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}

// ---- the run in the URL -----------------------------------------------------------------------------

/** `?job=a,b&swap=a.2~c` : the run's jobs, and variant 2 of job a replaced by (the first of) job c. */
export interface RunState {
  jobs: string[];
  swaps: Record<string, string>;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function readRun(params: URLSearchParams): RunState {
  const jobs = (params.get("job") ?? "").split(",").filter((id) => ID.test(id));
  const swaps: Record<string, string> = {};
  for (const pair of (params.get("swap") ?? "").split(",")) {
    const [from, to] = pair.split("~");
    const [job, index] = (from ?? "").split(".");
    if (job && ID.test(job) && /^\d+$/.test(index ?? "") && to && ID.test(to)) swaps[`${job}#${index}`] = to;
  }
  return { jobs: [...new Set(jobs)], swaps };
}

export function writeRun(run: RunState): URLSearchParams {
  const params = new URLSearchParams();
  if (run.jobs.length) params.set("job", run.jobs.join(","));
  const swaps = Object.entries(run.swaps).map(([key, to]) => `${key.replace("#", ".")}~${to}`);
  if (swaps.length) params.set("swap", swaps.join(","));
  return params;
}

/** A default campaign branch name: letters, digits, '-', '/' only (ref-name rules). */
export function defaultBranchName(product: string): string {
  const now = new Date();
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1, 2)}${pad(now.getDate(), 2)}-${pad(now.getHours(), 2)}${pad(now.getMinutes(), 2)}`;
  const slug = product
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 30);
  return `campaign/${slug ? `${slug}-` : ""}${stamp}`;
}

export const BRANCH_NAME = /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/;

export function validBranchName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 100 &&
    BRANCH_NAME.test(name) &&
    !name.includes("..") &&
    !name.includes("//") &&
    !name.includes("/.") &&
    !/(\/|\.|\.lock)$/.test(name) &&
    !/^[0-9a-f]{7,64}$/.test(name)
  );
}
