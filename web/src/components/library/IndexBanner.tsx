// Honest about search indexing: after a commit the branch's index catches up in a job; until then new
// assets are not searchable. Polls the index status while it lags and tells the page when it caught up.
import { ReloadOutlined, SyncOutlined } from "@ant-design/icons";
import { Alert, Button, Space } from "antd";
import { useCallback, useEffect, useRef, useState } from "react";

import { api, call, type Schemas } from "../../api/client";
import { useFeedback } from "../../feedback";
import { useT, type Messages } from "../../i18n";
import { errorText } from "./labels";

type IndexStatus = Schemas["IndexStatus"];

const POLL_MS = 2000;

const messages: Messages<"indexing" | "queued" | "behind" | "reindex" | "refresh" | "caughtUp" | "statusError"> = {
  zh: {
    indexing: "正在为分支「{branch}」建立搜索索引…刚提交的素材稍后即可搜到，完成后列表会自动刷新。",
    queued: "分支「{branch}」的索引任务已排队，刚提交的素材稍后即可搜到。",
    behind: "分支「{branch}」的搜索索引还没跟上最新提交，新素材暂时搜不到。",
    reindex: "重新索引",
    refresh: "刷新",
    caughtUp: "索引已更新，结果已刷新",
    statusError: "无法读取索引状态：{error}",
  },
  en: {
    indexing: "Indexing branch “{branch}” for search… assets just committed become searchable shortly; the list refreshes when done.",
    queued: "Indexing of branch “{branch}” is queued; assets just committed become searchable shortly.",
    behind: "The search index of branch “{branch}” is behind its latest commit: new assets are not searchable yet.",
    reindex: "Reindex",
    refresh: "Refresh",
    caughtUp: "Index up to date, results refreshed",
    statusError: "Cannot read the index status: {error}",
  },
};

export function IndexBanner({
  brandId,
  branch,
  nudge,
  onCaughtUp,
}: {
  brandId: string;
  branch: string;
  /** Change it (e.g. after a commit) to check again at once. */
  nudge: number;
  onCaughtUp: () => void;
}) {
  const t = useT(messages);
  const { message } = useFeedback();
  const [status, setStatus] = useState<IndexStatus | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [round, setRound] = useState(0);
  const behind = useRef(false);
  const seenNudge = useRef(0);
  const caughtUp = useRef(onCaughtUp);
  caughtUp.current = onCaughtUp;

  const check = useCallback(async () => {
    const next = await call(
      api.GET("/v1/brands/{brand_id}/index-status", { params: { path: { brand_id: brandId }, query: { branch } } }),
    );
    setStatus(next);
    setError(null);
    if (next.up_to_date && behind.current) {
      behind.current = false;
      caughtUp.current();
      message.success(t("caughtUp"));
    } else if (!next.up_to_date) {
      behind.current = true;
    }
    return next;
  }, [brandId, branch, message, t]);

  useEffect(() => {
    let live = true;
    let timer: number | undefined;
    // after a nudge (a commit, a tag edit) the caller wants to hear once the index has it, even if it
    // already has by the first look
    behind.current = nudge !== seenNudge.current;
    seenNudge.current = nudge;
    const tick = () => {
      check()
        .then((next) => {
          if (live && !next.up_to_date && (next.job_id || next.auto_index)) timer = window.setTimeout(tick, POLL_MS);
        })
        .catch((reason: unknown) => live && setError(reason));
    };
    tick();
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [check, nudge, round]);

  async function reindex() {
    setBusy(true);
    try {
      await call(api.POST("/v1/search/reindex", { body: { brand_id: brandId, branch, full: false } }));
      setRound((value) => value + 1);
    } catch (reason) {
      message.error(errorText(reason));
    } finally {
      setBusy(false);
    }
  }

  if (error) {
    return <Alert type="warning" showIcon title={t("statusError", { error: errorText(error) })} />;
  }
  if (!status || status.up_to_date) return null;
  const running = status.job_status === "running";
  const text = running ? t("indexing", { branch }) : status.job_id ? t("queued", { branch }) : t("behind", { branch });
  return (
    <Alert
      type={status.job_id ? "info" : "warning"}
      showIcon
      icon={status.job_id ? <SyncOutlined spin /> : undefined}
      data-testid="index-status"
      data-up-to-date={String(status.up_to_date)}
      title={text}
      action={
        <Space>
          {!status.job_id ? (
            <Button size="small" loading={busy} onClick={() => void reindex()} data-testid="index-reindex">
              {t("reindex")}
            </Button>
          ) : null}
          <Button size="small" icon={<ReloadOutlined />} onClick={() => void check().catch(setError)}>
            {t("refresh")}
          </Button>
        </Space>
      }
    />
  );
}
