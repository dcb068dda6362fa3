// Words and small pieces the library pages share: kinds, review states, platforms, sizes, times, errors.
import {
  AudioOutlined,
  FileImageOutlined,
  FileOutlined,
  FileTextOutlined,
  LayoutOutlined,
  SkinOutlined,
  VideoCameraOutlined,
} from "@ant-design/icons";
import { Tag, Tooltip } from "antd";
import type { ReactNode } from "react";

import { ApiError } from "../../api/client";
import { useLang, useT, type Lang, type Messages } from "../../i18n";

export const KINDS = ["image", "video", "audio", "copy", "template", "brand_kit"] as const;
export type Kind = (typeof KINDS)[number];

export const STATUSES = [
  "none",
  "submitted",
  "ai_checked",
  "agency_approved",
  "agency_rejected",
  "brand_approved",
  "brand_rejected",
  "changes_requested",
  "withdrawn",
] as const;

export const PLATFORMS = ["xiaohongshu", "douyin", "wechat", "taobao", "weibo", "bilibili", "kuaishou", "offline_screen"] as const;

const words: Record<Lang, Record<string, string>> = {
  zh: {
    image: "图片",
    video: "视频",
    audio: "音频",
    copy: "文案",
    template: "模板",
    brand_kit: "品牌规范",
    none: "未送审",
    submitted: "已送审",
    ai_checked: "AI 已初审",
    agency_approved: "代理商已通过",
    agency_rejected: "代理商已驳回",
    brand_approved: "品牌已通过",
    brand_rejected: "品牌已驳回",
    changes_requested: "需修改",
    withdrawn: "已撤回",
    xiaohongshu: "小红书",
    douyin: "抖音",
    wechat: "微信",
    taobao: "淘宝/天猫",
    weibo: "微博",
    bilibili: "哔哩哔哩",
    kuaishou: "快手",
    offline_screen: "线下屏幕",
  },
  en: {
    image: "Image",
    video: "Video",
    audio: "Audio",
    copy: "Copy",
    template: "Template",
    brand_kit: "Brand kit",
    none: "Not submitted",
    submitted: "Submitted",
    ai_checked: "AI checked",
    agency_approved: "Agency approved",
    agency_rejected: "Agency rejected",
    brand_approved: "Brand approved",
    brand_rejected: "Brand rejected",
    changes_requested: "Changes requested",
    withdrawn: "Withdrawn",
    xiaohongshu: "Xiaohongshu",
    douyin: "Douyin",
    wechat: "WeChat",
    taobao: "Taobao / Tmall",
    weibo: "Weibo",
    bilibili: "Bilibili",
    kuaishou: "Kuaishou",
    offline_screen: "Offline screen",
  },
};

/** The display word for a kind, review state or platform id (the id itself when unknown). */
export function useWord(): (id: string) => string {
  const { lang } = useLang();
  return (id: string) => words[lang][id] ?? id;
}

const KIND_ICONS: Record<string, ReactNode> = {
  image: <FileImageOutlined />,
  video: <VideoCameraOutlined />,
  audio: <AudioOutlined />,
  copy: <FileTextOutlined />,
  template: <LayoutOutlined />,
  brand_kit: <SkinOutlined />,
};

export function kindIcon(kind: string | null | undefined): ReactNode {
  return KIND_ICONS[kind ?? ""] ?? <FileOutlined />;
}

const STATUS_COLORS: Record<string, string> = {
  submitted: "processing",
  ai_checked: "processing",
  agency_approved: "cyan",
  agency_rejected: "error",
  brand_approved: "success",
  brand_rejected: "error",
  changes_requested: "warning",
  withdrawn: "default",
};

const statusMessages: Messages<"status"> = {
  zh: { status: "合规审核状态" },
  en: { status: "Compliance review" },
};

/** A coloured tag for an asset's review state ("none": never submitted). */
export function StatusTag({ status }: { status: string | null | undefined }) {
  const word = useWord();
  const t = useT(statusMessages);
  const value = status ?? "none";
  return (
    <Tooltip title={t("status")}>
      <Tag color={STATUS_COLORS[value] ?? "default"} data-testid="asset-status" data-status={value}>
        {word(value)}
      </Tag>
    </Tooltip>
  );
}

export function formatBytes(size: number | null | undefined): string {
  if (size === null || size === undefined) return "—";
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  if (size < 1024 * 1024 * 1024) return `${(size / 1024 / 1024).toFixed(1)} MB`;
  return `${(size / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

export function formatTime(value: string | null | undefined, lang: Lang): string {
  if (!value) return "—";
  return new Date(value).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** The message to show for a failed call: the API's detail (with its code), or the error's text. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.detail ? `${error.detail} (${error.code})` : error.code;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The file name of a path (the last segment). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The studio URL of an asset's detail page at a ref (branch, tag or commit). */
export function assetHref(path: string, ref: string): string {
  return `/library/asset?${new URLSearchParams({ path, ref }).toString()}`;
}

/** API path of an asset's preview or content at a ref (for useObjectUrl / fetchBlob). */
export function assetApiPath(brandId: string, path: string, ref: string, what: "preview" | "raw"): string {
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  const base = `/v1/brands/${encodeURIComponent(brandId)}/${what === "preview" ? "previews" : "raw"}/${encoded}`;
  return `${base}?${new URLSearchParams({ ref }).toString()}`;
}
