// The brand's recent generation jobs, newest first, to reopen earlier results.
import { HistoryOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, Button, Empty, Flex, Skeleton, Tag, Typography } from "antd";
import { useCallback, useEffect, useState } from "react";

import { api, ApiError, call, type Schemas } from "../../api/client";
import { useLang, useT, type Messages } from "../../i18n";
import { LightCard } from "../LightCard";
import { useBrandId } from "../../session";
import { PLATFORM_LABELS, PLATFORMS, VIDEO_PRESETS, type Platform } from "./model";

type Recent = Schemas["RecentJobPublic"];

const messages: Messages<
  "title" | "empty" | "open" | "refresh" | "copy" | "creative" | "video" | "queued" | "running" | "succeeded" | "failed" | "cancelled" | "count" | "untitled"
> = {
  zh: {
    title: "最近的任务",
    empty: "还没有生成过内容",
    open: "打开",
    refresh: "刷新",
    copy: "文案",
    creative: "文案+海报",
    video: "视频",
    queued: "排队中",
    running: "生成中",
    succeeded: "已完成",
    failed: "失败",
    cancelled: "已取消",
    count: "{n} 条",
    untitled: "未命名",
  },
  en: {
    title: "Recent jobs",
    empty: "Nothing generated yet",
    open: "Open",
    refresh: "Refresh",
    copy: "Copy",
    creative: "Copy+posters",
    video: "Video",
    queued: "Queued",
    running: "Running",
    succeeded: "Done",
    failed: "Failed",
    cancelled: "Cancelled",
    count: "{n}",
    untitled: "Untitled",
  },
};

const STATUS_COLOR: Record<string, string> = {
  queued: "default",
  running: "processing",
  succeeded: "success",
  failed: "error",
  cancelled: "warning",
};

function platformOfRecent(value: string | null): Platform | null {
  if (!value) return null;
  const direct = PLATFORMS.find((p) => p === value);
  return direct ?? PLATFORMS.find((p) => VIDEO_PRESETS[p] === value) ?? null;
}

export function RecentJobs({ refreshKey, onOpen }: { refreshKey: string; onOpen: (jobId: string) => void }) {
  const t = useT(messages);
  const { lang } = useLang();
  const brandId = useBrandId();
  const [items, setItems] = useState<Recent[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  const load = useCallback(
    (live: () => boolean) => {
      setError(null);
      call(
        api.GET("/v1/brands/{brand_id}/recent-jobs", {
          params: { path: { brand_id: brandId }, query: { kind: ["copy", "creative", "video"], limit: 6 } },
        }),
      )
        .then((list) => live() && setItems(list))
        .catch((e: unknown) => {
          if (!live()) return;
          setItems([]);
          setError(e instanceof ApiError ? e.message : String(e));
        });
    },
    [brandId],
  );

  useEffect(() => {
    let live = true;
    load(() => live);
    return () => {
      live = false;
    };
  }, [load, refreshKey, tick]);

  const time = (iso: string) =>
    new Date(iso).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });

  return (
    <LightCard
      size="small"
      title={
        <Flex gap={6} align="center">
          <HistoryOutlined />
          {t("title")}
        </Flex>
      }
      extra={<Button type="text" size="small" icon={<ReloadOutlined />} aria-label={t("refresh")} onClick={() => setTick((n) => n + 1)} />}
      testId="recent-jobs"
    >
      {error ? <Alert type="error" showIcon title={error} style={{ marginBottom: 8 }} /> : null}
      {items === null ? (
        <Skeleton active paragraph={{ rows: 3 }} />
      ) : items.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("empty")} />
      ) : (
        <Flex vertical gap={2}>
          {items.map((job) => {
            const platform = platformOfRecent(job.platform);
            const kind = (["copy", "creative", "video"] as const).find((k) => k === job.kind);
            return (
              <Flex
                key={job.id}
                justify="space-between"
                align="center"
                gap={8}
                style={{ padding: "6px 0", borderBottom: "1px solid #f5f5f5" }}
                data-testid="recent-job"
              >
                <Flex vertical style={{ minWidth: 0 }}>
                  <Flex gap={6} align="center">
                    <Typography.Text ellipsis strong style={{ maxWidth: 200 }}>
                      {job.product ?? t("untitled")}
                    </Typography.Text>
                    <Tag color={STATUS_COLOR[job.status]} style={{ marginInlineEnd: 0 }}>
                      {t(job.status)}
                    </Tag>
                  </Flex>
                  <Flex gap={4} wrap align="center">
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {time(job.created_at)}
                    </Typography.Text>
                    {platform ? <Tag variant="filled">{PLATFORM_LABELS[lang][platform]}</Tag> : null}
                    <Tag variant="filled">
                      {kind ? t(kind) : job.kind}
                      {job.count ? ` · ${t("count", { n: job.count })}` : ""}
                    </Tag>
                  </Flex>
                </Flex>
                <Button size="small" onClick={() => onOpen(job.id)} data-testid="recent-job-open">
                  {t("open")}
                </Button>
              </Flex>
            );
          })}
        </Flex>
      )}
    </LightCard>
  );
}
