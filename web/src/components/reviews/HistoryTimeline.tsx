// Every step of the item's thread (all versions), oldest first: submit, AI check, claims, decisions.
import { Alert, Skeleton, Space, Tag, Timeline, Typography } from "antd";
import { useEffect, useState } from "react";

import { api, call } from "../../api/client";
import { useT, type Messages } from "../../i18n";
import { STATE_COLOR, useReviewLabels } from "./labels";
import { errorText, type Decision, type ReviewItem, type ReviewState } from "./model";

type ActionKey =
  | "submit"
  | "ai_check"
  | "claim"
  | "assign"
  | "release"
  | "approve"
  | "reject"
  | "request_changes"
  | "withdraw"
  | "false_alarm";

const messages: Messages<
  ActionKey | "by" | "verdict" | "override" | "superseded" | "version" | "blocking" | "checkError"
> = {
  zh: {
    submit: "提交审核",
    ai_check: "AI 合规检测",
    claim: "认领",
    assign: "分配处理人",
    release: "释放认领",
    approve: "通过",
    reject: "驳回",
    request_changes: "退回修改",
    withdraw: "撤回",
    false_alarm: "标记误报",
    by: "{who} · {level}",
    verdict: "结论：{verdict}",
    override: "豁免放行",
    superseded: "被新版本替代",
    version: "第 {n} 版",
    blocking: "{n} 项阻断",
    checkError: "检测失败",
  },
  en: {
    submit: "Submitted",
    ai_check: "AI compliance check",
    claim: "Claimed",
    assign: "Assigned",
    release: "Released",
    approve: "Approved",
    reject: "Rejected",
    request_changes: "Changes requested",
    withdraw: "Withdrawn",
    false_alarm: "Marked a false alarm",
    by: "{who} · {level}",
    verdict: "Verdict: {verdict}",
    override: "Override",
    superseded: "Superseded by a newer version",
    version: "v{n}",
    blocking: "{n} blocking",
    checkError: "check failed",
  },
};

const COLOR: Partial<Record<string, string>> = {
  approve: "green",
  reject: "red",
  request_changes: "orange",
  withdraw: "gray",
  ai_check: "blue",
  false_alarm: "purple",
};

const KNOWN = new Set<string>(Object.keys(messages.zh));

/** The item's thread history, reloaded whenever the item changes (its revision grows). */
export function useReviewHistory(item: ReviewItem | null): { steps: Decision[] | null; error: string | null } {
  const [steps, setSteps] = useState<Decision[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const itemId = item?.id;
  const revision = item?.revision;
  useEffect(() => {
    if (!itemId) return undefined;
    let live = true;
    call(api.GET("/v1/reviews/{item_id}/history", { params: { path: { item_id: itemId } } }))
      .then((list) => {
        if (!live) return;
        setSteps(list);
        setError(null);
      })
      .catch((caught: unknown) => {
        if (!live) return;
        setError(errorText(caught));
        setSteps((current) => current ?? []);
      });
    return () => {
      live = false;
    };
  }, [itemId, revision]);
  return { steps, error };
}

export interface HistoryTimelineProps {
  steps: Decision[] | null;
  error: string | null;
  person: (id: string | null | undefined) => string;
}

export function HistoryTimeline({ steps, error, person }: HistoryTimelineProps) {
  const t = useT(messages);
  const labels = useReviewLabels();

  const levelName = (level: string) =>
    level === "ai" || level === "agency" || level === "brand" ? labels.level(level) : level === "submitter" ? "" : level;

  const actionName = (action: string) => (KNOWN.has(action) ? t(action as ActionKey) : action);

  return (
    <div data-testid="review-history">
      {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 12 }} />}
      {steps === null ? (
        <Skeleton active paragraph={{ rows: 4 }} />
      ) : (
        <Timeline
          items={steps.map((step) => {
            const verdict = typeof step.data.verdict === "string" ? step.data.verdict : null;
            const blocking = typeof step.data.blocking === "number" ? step.data.blocking : 0;
            const version = typeof step.data.version_no === "number" ? step.data.version_no : null;
            const level = levelName(step.level);
            const who = person(step.actor_user_id ?? step.actor_id);
            const byline = level && step.level !== "ai" ? t("by", { who, level }) : who;
            return {
              color: COLOR[step.action] ?? "gray",
              content: (
                <div data-testid="review-history-step" data-action={step.action}>
                  <Space size={6} wrap>
                    <Typography.Text strong>{actionName(step.action)}</Typography.Text>
                    {step.to_state && step.to_state !== step.from_state && (
                      <Tag color={STATE_COLOR[step.to_state as ReviewState] ?? "default"}>
                        {labels.state(step.to_state as ReviewState)}
                      </Tag>
                    )}
                    {step.action === "submit" && version !== null && version > 1 && (
                      <Tag>{t("version", { n: version })}</Tag>
                    )}
                  </Space>
                  <div>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {byline} · {new Date(step.at).toLocaleString(labels.lang === "zh" ? "zh-CN" : "en-GB")}
                    </Typography.Text>
                  </div>
                  {verdict && (
                    <div>
                      <Typography.Text>
                        {t("verdict", {
                          verdict:
                            verdict === "error" ? t("checkError") : labels.severity(verdict as "pass" | "warn" | "block"),
                        })}
                        {blocking > 0 && ` · ${t("blocking", { n: blocking })}`}
                      </Typography.Text>
                    </div>
                  )}
                  {step.data.override === true && <Tag color="volcano">{t("override")}</Tag>}
                  {typeof step.data.superseded_by === "string" && (
                    <Typography.Text type="secondary">{t("superseded")}</Typography.Text>
                  )}
                  {step.reason && (
                    <Typography.Paragraph style={{ margin: "4px 0 0", whiteSpace: "pre-wrap" }}>
                      “{step.reason}”
                    </Typography.Paragraph>
                  )}
                </div>
              ),
            };
          })}
        />
      )}
    </div>
  );
}
