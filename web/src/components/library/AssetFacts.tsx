// The asset's facts (kind, size, format, campaign, platforms, licence, origin) and its compliance review.
import { SafetyCertificateOutlined } from "@ant-design/icons";
import { Alert, Card, Descriptions, Flex, Skeleton, Tag, Typography, type DescriptionsProps } from "antd";
import { Link } from "react-router";

import type { Schemas } from "../../api/client";
import { useLang, useT, type Messages } from "../../i18n";
import { errorText, formatBytes, formatTime, StatusTag, useWord } from "./labels";

type Asset = Schemas["AssetPublic"];
type ReviewItem = Schemas["ReviewItemPublic"];

interface Licence {
  name: string;
  expires_on?: string | null;
  territories?: string[];
}

interface Source {
  vendor?: string | null;
  url?: string | null;
  generated?: boolean;
}

const messages: Messages<
  | "facts"
  | "kind"
  | "size"
  | "dimensions"
  | "duration"
  | "format"
  | "campaign"
  | "platforms"
  | "language"
  | "licence"
  | "expired"
  | "validUntil"
  | "noExpiry"
  | "source"
  | "generated"
  | "description"
  | "commit"
  | "sha"
  | "compliance"
  | "current"
  | "reviews"
  | "otherVersion"
  | "currentVersion"
  | "noReviews"
  | "queue"
  | "reviewsError"
> = {
  zh: {
    facts: "基本信息",
    kind: "类型",
    size: "大小",
    dimensions: "尺寸",
    duration: "时长",
    format: "格式",
    campaign: "活动",
    platforms: "投放平台",
    language: "语言",
    licence: "授权",
    expired: "已过期",
    validUntil: "有效期至 {date}",
    noExpiry: "长期有效",
    source: "来源",
    generated: "AI 生成",
    description: "说明",
    commit: "版本来自提交",
    sha: "文件指纹",
    compliance: "合规审核",
    current: "当前版本",
    reviews: "送审记录",
    otherVersion: "其他版本",
    currentVersion: "本版本",
    noReviews: "这个素材还没有送审。发布到 main 之前需要经过 AI、代理商和品牌三级审核。",
    queue: "去审核队列",
    reviewsError: "无法读取送审记录：{error}",
  },
  en: {
    facts: "Details",
    kind: "Kind",
    size: "Size",
    dimensions: "Dimensions",
    duration: "Duration",
    format: "Format",
    campaign: "Campaign",
    platforms: "Platforms",
    language: "Language",
    licence: "Licence",
    expired: "expired",
    validUntil: "valid until {date}",
    noExpiry: "no expiry",
    source: "Source",
    generated: "AI generated",
    description: "Description",
    commit: "Version from commit",
    sha: "sha256",
    compliance: "Compliance review",
    current: "This version",
    reviews: "Submissions",
    otherVersion: "other version",
    currentVersion: "this version",
    noReviews: "Not submitted yet. Publishing to main needs the AI, agency and brand reviews.",
    queue: "Open the review queue",
    reviewsError: "Cannot read submissions: {error}",
  },
};

function licenceText(licence: Licence, t: (key: "expired" | "validUntil" | "noExpiry", vars?: Record<string, string>) => string) {
  const expired = licence.expires_on ? new Date(licence.expires_on) < new Date(new Date().toDateString()) : false;
  return (
    <Flex gap={6} wrap align="center">
      <span>{licence.name}</span>
      <Tag color={expired ? "error" : "success"}>
        {licence.expires_on ? (expired ? t("expired") : t("validUntil", { date: licence.expires_on })) : t("noExpiry")}
      </Tag>
      {licence.territories?.length ? <Typography.Text type="secondary">{licence.territories.join(", ")}</Typography.Text> : null}
    </Flex>
  );
}

export function AssetFacts({ asset, version }: { asset: Asset; version: string | null }) {
  const t = useT(messages);
  const word = useWord();
  const meta = asset.metadata as Record<string, unknown>;
  const platforms = (meta.platforms as string[] | undefined) ?? [];
  const licence = meta.licence as Licence | undefined;
  const source = meta.source as Source | undefined;
  const items: DescriptionsProps["items"] = [
    { key: "kind", label: t("kind"), children: word(asset.kind) },
    { key: "size", label: t("size"), children: formatBytes(asset.size) },
    ...(asset.width && asset.height ? [{ key: "dim", label: t("dimensions"), children: `${asset.width} × ${asset.height}` }] : []),
    ...(asset.duration_s ? [{ key: "dur", label: t("duration"), children: `${asset.duration_s.toFixed(1)} s` }] : []),
    { key: "format", label: t("format"), children: asset.content_type },
    ...(meta.campaign ? [{ key: "campaign", label: t("campaign"), children: <Tag color="orange">{String(meta.campaign)}</Tag> }] : []),
    ...(platforms.length ? [{ key: "platforms", label: t("platforms"), children: platforms.map((p) => <Tag key={p}>{word(p)}</Tag>) }] : []),
    ...(meta.language ? [{ key: "language", label: t("language"), children: String(meta.language) }] : []),
    ...(licence ? [{ key: "licence", label: t("licence"), children: licenceText(licence, t) }] : []),
    ...(source && (source.vendor || source.url || source.generated)
      ? [
          {
            key: "source",
            label: t("source"),
            children: (
              <Flex gap={6} wrap>
                {source.generated ? <Tag color="purple">{t("generated")}</Tag> : null}
                {source.vendor ? <span>{source.vendor}</span> : null}
                {source.url ? (
                  <Typography.Link href={source.url} target="_blank" rel="noreferrer">
                    {source.url}
                  </Typography.Link>
                ) : null}
              </Flex>
            ),
          },
        ]
      : []),
    ...(meta.description ? [{ key: "description", label: t("description"), children: String(meta.description) }] : []),
    ...(version
      ? [{ key: "commit", label: t("commit"), children: <Typography.Text code copyable={{ text: version }}>{version.slice(0, 12)}</Typography.Text> }]
      : []),
    { key: "sha", label: t("sha"), children: <Typography.Text code copyable={{ text: asset.blob }}>{asset.blob.slice(0, 12)}</Typography.Text> },
  ];
  return (
    <Card title={t("facts")} data-testid="asset-facts">
      <Descriptions size="small" column={1} items={items} />
    </Card>
  );
}

export function AssetCompliance({
  asset,
  status,
  reviews,
  error,
}: {
  asset: Asset;
  status: string | null | undefined;
  reviews: ReviewItem[] | null;
  error: unknown;
}) {
  const t = useT(messages);
  const { lang } = useLang();
  return (
    <Card
      title={
        <>
          <SafetyCertificateOutlined /> {t("compliance")}
        </>
      }
      extra={<Link to="/reviews">{t("queue")}</Link>}
      data-testid="asset-compliance"
    >
      <Flex vertical gap={12}>
        <Flex gap={8} align="center">
          <Typography.Text type="secondary">{t("current")}</Typography.Text>
          <StatusTag status={status} />
        </Flex>
        {error ? <Alert type="warning" showIcon title={t("reviewsError", { error: errorText(error) })} /> : null}
        {!reviews && !error ? <Skeleton active paragraph={{ rows: 1 }} title={false} /> : null}
        {reviews && !reviews.length ? <Typography.Text type="secondary">{t("noReviews")}</Typography.Text> : null}
        {reviews?.map((item) => (
          <Flex key={item.id} gap={8} align="center" wrap data-testid="asset-review">
            <StatusTag status={item.state} />
            <Link to={`/reviews/${encodeURIComponent(item.id)}`}>
              {item.branch} · v{item.version_no}
            </Link>
            <Tag>{item.blob === asset.blob ? t("currentVersion") : t("otherVersion")}</Tag>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {formatTime(item.created_at, lang)}
            </Typography.Text>
          </Flex>
        ))}
      </Flex>
    </Card>
  );
}
