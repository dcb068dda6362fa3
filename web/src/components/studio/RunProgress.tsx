// Live progress of a run's jobs: one overall bar with the latest message, a row per job, cancel.
import { StopOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Flex, Popconfirm, Progress, Tag, Typography } from "antd";

import { useLang, useT, type Messages } from "../../i18n";
import { isTerminal, PLATFORM_LABELS, platformOf, type Job } from "./model";
import type { Tracked } from "./useJobs";

type Key =
  | "title"
  | "done"
  | "cancel"
  | "cancelAsk"
  | "yes"
  | "no"
  | "queued"
  | "running"
  | "succeeded"
  | "failed"
  | "cancelled"
  | "copy"
  | "creative"
  | "video"
  | "poster"
  | "loading"
  | "failedTitle"
  | "waiting"
  | "cancelling"
  | "cancelNote"
  | "ended";

const messages: Messages<Key> = {
  zh: {
    title: "生成进度",
    done: "全部完成：{ok}/{all} 个任务成功",
    cancel: "取消生成",
    cancelAsk: "确定取消仍在进行的任务吗？已完成的结果会保留。",
    yes: "取消任务",
    no: "继续生成",
    queued: "排队中",
    running: "生成中",
    succeeded: "已完成",
    failed: "失败",
    cancelled: "已取消",
    copy: "文案",
    creative: "文案 + 海报",
    video: "短视频",
    poster: "海报",
    loading: "正在读取任务…",
    failedTitle: "{what}没有生成成功",
    waiting: "等待开始…",
    cancelling: "正在取消",
    cancelNote: "已请求取消：任务会在当前这一步完成后停止",
    ended: "已结束：{ok}/{all} 个任务成功",
  },
  en: {
    title: "Progress",
    done: "All done: {ok}/{all} jobs succeeded",
    cancel: "Cancel",
    cancelAsk: "Cancel the jobs still running? Finished results are kept.",
    yes: "Cancel jobs",
    no: "Keep going",
    queued: "Queued",
    running: "Running",
    succeeded: "Done",
    failed: "Failed",
    cancelled: "Cancelled",
    copy: "Copy",
    creative: "Copy + posters",
    video: "Video",
    poster: "Posters",
    loading: "Reading the job…",
    failedTitle: "{what} failed",
    waiting: "Waiting to start…",
    cancelling: "Cancelling",
    cancelNote: "Cancellation requested: the jobs stop when their current step ends",
    ended: "Ended: {ok}/{all} jobs succeeded",
  },
};

const STATUS_COLOR: Record<string, string> = {
  queued: "default",
  running: "processing",
  succeeded: "success",
  failed: "error",
  cancelled: "warning",
};

const PATTERNS: { re: RegExp; zh: (m: RegExpMatchArray) => string }[] = [
  { re: /^(\d+)\/(\d+) copy variants after round (\d+)/, zh: (m) => `已写好 ${m[1]}/${m[2]} 条文案（第 ${m[3]} 轮）` },
  { re: /^(?:generating|writing) (\d+)(?: copy)? variants/, zh: (m) => `正在撰写 ${m[1]} 条文案` },
  { re: /^composing (\d+) posters/, zh: (m) => `正在排版 ${m[1]} 张海报` },
  { re: /^(\d+)\/(\d+) posters composed/, zh: (m) => `已排版 ${m[1]}/${m[2]} 张海报` },
  { re: /^storing/, zh: () => "正在保存到素材库" },
  { re: /^analysing (\d+) footage/, zh: (m) => `正在分析 ${m[1]} 段素材` },
  { re: /^rendering (\d+) variants/, zh: (m) => `正在渲染 ${m[1]} 条视频` },
];

/** A job's progress message in the page's language (known shapes translated, others as sent). */
export function useProgressText(): (message: string) => string {
  const { lang } = useLang();
  return (message: string) => {
    if (lang !== "zh") return message;
    for (const pattern of PATTERNS) {
      const match = message.match(pattern.re);
      if (match) return pattern.zh(match);
    }
    return message;
  };
}

export function RunProgress({
  ids,
  jobs,
  cancelling,
  onCancel,
}: {
  ids: string[];
  jobs: Record<string, Tracked>;
  cancelling: boolean;
  onCancel: () => void;
}) {
  const t = useT(messages);
  const { lang } = useLang();
  const progressText = useProgressText();
  const tracked = ids.map((id) => ({ id, ...(jobs[id] ?? { job: null, message: "", error: null }) }));
  const loaded = tracked.filter((x): x is typeof x & { job: Job } => x.job !== null);
  const active = loaded.filter((x) => !isTerminal(x.job.status));
  const percent = tracked.length
    ? Math.round((100 * tracked.reduce((sum, x) => sum + (x.job ? (isTerminal(x.job.status) ? 1 : x.job.progress) : 0), 0)) / tracked.length)
    : 0;
  const allDone = loaded.length === tracked.length && active.length === 0;
  const ok = loaded.filter((x) => x.job.status === "succeeded").length;
  const latest = active.find((x) => x.message)?.message ?? "";
  const failed = loaded.some((x) => x.job.status === "failed");
  const cancellable = active.filter((x) => !x.job.cancel_requested);
  const stopping = active.length > 0 && cancellable.length === 0;
  const what = (job: Job) => {
    const platform = platformOf(job);
    const kind = (["copy", "creative", "video", "poster"] as const).find((k) => k === job.kind);
    return `${platform ? PLATFORM_LABELS[lang][platform] : ""} ${kind ? t(kind) : job.kind}`.trim();
  };

  return (
    <Card
      size="small"
      title={t("title")}
      data-testid="job-progress"
      data-state={allDone ? "done" : "running"}
      extra={
        cancellable.length ? (
          <Popconfirm title={t("cancelAsk")} okText={t("yes")} cancelText={t("no")} onConfirm={onCancel}>
            <Button danger size="small" icon={<StopOutlined />} loading={cancelling} data-testid="job-cancel">
              {t("cancel")}
            </Button>
          </Popconfirm>
        ) : null
      }
    >
      <Flex vertical gap={10}>
        <Progress
          percent={allDone ? 100 : percent}
          status={allDone ? (failed ? "exception" : ok === tracked.length ? "success" : "normal") : "active"}
          aria-label={t("title")}
          data-testid="job-progress-bar"
        />
        <Typography.Text type="secondary" data-testid="job-progress-message">
          {allDone
            ? t(ok === tracked.length ? "done" : "ended", { ok, all: tracked.length })
            : stopping
              ? t("cancelNote")
              : progressText(latest) || t("waiting")}
        </Typography.Text>
        {tracked.length > 1 || failed ? (
          <Flex vertical gap={6}>
            {tracked.map((x) => (
              <Flex key={x.id} gap={8} align="center" wrap data-testid="job-row" data-status={x.job?.status ?? "loading"}>
                <Typography.Text style={{ minWidth: 140 }}>{x.job ? what(x.job) : t("loading")}</Typography.Text>
                {x.job ? (
                  x.job.cancel_requested && !isTerminal(x.job.status) ? (
                    <Tag color="warning">{t("cancelling")}</Tag>
                  ) : (
                    <Tag color={STATUS_COLOR[x.job.status]}>{t(x.job.status)}</Tag>
                  )
                ) : null}
                {x.job && !isTerminal(x.job.status) ? (
                  <Progress percent={Math.round(x.job.progress * 100)} size="small" style={{ flex: 1, minWidth: 120, margin: 0 }} />
                ) : null}
              </Flex>
            ))}
          </Flex>
        ) : null}
        {tracked.map((x) =>
          x.error ? <Alert key={`e-${x.id}`} type="error" showIcon title={x.error} /> : null,
        )}
        {loaded
          .filter((x) => x.job.status === "failed" && x.job.error)
          .map((x) => (
            <Alert
              key={`f-${x.id}`}
              type="error"
              showIcon
              title={t("failedTitle", { what: what(x.job) })}
              description={`${x.job.error?.code}: ${x.job.error?.detail ?? ""}`}
              data-testid="job-error"
            />
          ))}
      </Flex>
    </Card>
  );
}
