// Words of the upload panel (shared by the panel and its rows) and the shape of one queued file.
import type { Schemas } from "../../api/client";
import type { BlobPublic } from "../../api/upload";
import type { Messages } from "../../i18n";

export type Match = Schemas["DuplicateMatch"];

export interface Item {
  uid: string;
  file: File;
  preview: string | null;
  status: "uploading" | "checking" | "ready" | "error";
  progress: number;
  blob?: BlobPublic;
  duplicates: Match[];
  acknowledged: boolean;
  error?: string;
  path: string;
  title: string;
}

export const uploadMessages: Messages<
  | "drop"
  | "dropHint"
  | "queue"
  | "branch"
  | "branchNew"
  | "branchMain"
  | "folder"
  | "campaign"
  | "platforms"
  | "tags"
  | "message"
  | "defaultMessage"
  | "commit"
  | "commitAnyway"
  | "clear"
  | "uploading"
  | "checking"
  | "ready"
  | "path"
  | "title"
  | "remove"
  | "dupTitle"
  | "dupBody"
  | "dupCancel"
  | "dupKeep"
  | "dupKept"
  | "identical"
  | "phash"
  | "embedding"
  | "keypoints"
  | "seenBefore"
  | "committed"
  | "badPath"
  | "samePath"
> = {
  zh: {
    drop: "拖拽文件到这里上传，或点击选择",
    dropHint: "支持图片、视频、音频、文案（.txt）等；可一次多选。上传后先查重，再统一提交到分支。",
    queue: "待提交的素材",
    branch: "提交到分支",
    branchNew: "将从 main 新建分支「{name}」",
    branchMain: "提交到 main 即发布：需要发布权限，且每个素材都须经品牌审核通过。建议先提交到活动分支。",
    folder: "存放目录",
    campaign: "活动",
    platforms: "投放平台",
    tags: "标签",
    message: "提交说明",
    defaultMessage: "上传 {n} 个素材",
    commit: "提交 {n} 个素材",
    commitAnyway: "仍然提交 {n} 个素材（含 {d} 个可能重复）",
    clear: "清空",
    uploading: "上传中",
    checking: "查重中…",
    ready: "已就绪",
    path: "素材路径",
    title: "标题",
    remove: "移除",
    dupTitle: "「{name}」可能与已有素材重复",
    dupBody: "品牌素材库里已经有相同或很像的素材，复用它们可以避免重复采购和重复审核：",
    dupCancel: "不上传这个文件",
    dupKeep: "仍然上传",
    dupKept: "已确认重复，仍会提交",
    identical: "完全相同",
    phash: "画面几乎一致",
    embedding: "画面高度相似",
    keypoints: "裁剪/局部相同",
    seenBefore: "这份文件之前上传过",
    committed: "已提交 {n} 个素材到「{branch}」（{commit}）",
    badPath: "路径不能以 / 开头或结尾，也不能含空段、. 或 ..",
    samePath: "与本批另一个文件的路径相同",
  },
  en: {
    drop: "Drop files here to upload, or click to choose",
    dropHint: "Images, videos, audio, copy (.txt) and more; several at once. Files are checked for duplicates, then committed together.",
    queue: "Ready to commit",
    branch: "Commit to branch",
    branchNew: "Branch “{name}” will be created from main",
    branchMain: "Committing to main publishes: it needs the publish right and every asset must be brand-approved. Prefer a campaign branch.",
    folder: "Folder",
    campaign: "Campaign",
    platforms: "Platforms",
    tags: "Tags",
    message: "Commit message",
    defaultMessage: "Upload {n} assets",
    commit: "Commit {n} assets",
    commitAnyway: "Commit {n} assets anyway ({d} possible duplicates)",
    clear: "Clear",
    uploading: "Uploading",
    checking: "Checking for duplicates…",
    ready: "Ready",
    path: "Asset path",
    title: "Title",
    remove: "Remove",
    dupTitle: "“{name}” may duplicate assets you already have",
    dupBody: "The brand's library already holds the same or a very similar asset; reusing it saves buying and reviewing it twice:",
    dupCancel: "Don't upload this file",
    dupKeep: "Upload anyway",
    dupKept: "Duplicate acknowledged, will be committed",
    identical: "identical",
    phash: "near-identical picture",
    embedding: "very similar picture",
    keypoints: "cropped / partly the same",
    seenBefore: "These bytes were uploaded before",
    committed: "Committed {n} assets to “{branch}” ({commit})",
    badPath: "A path must not start or end with /, nor hold empty, . or .. segments",
    samePath: "Same path as another file in this batch",
  },
};

export type Translate = (key: keyof (typeof uploadMessages)["zh"], vars?: Record<string, string | number>) => string;
export const REASONS = new Set(["identical", "phash", "embedding", "keypoints"]);

