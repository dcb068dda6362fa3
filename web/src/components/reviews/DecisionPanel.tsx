// Claim the item and decide it at the level it waits for: approve, request changes or reject (with a reason).
import { CheckOutlined, CloseOutlined, EditOutlined, UserAddOutlined } from "@ant-design/icons";
import { Alert, Button, Flex, Input, Space, Tooltip, Typography } from "antd";
import { useEffect, useState, type ReactNode } from "react";

import { api, call, type Schemas } from "../../api/client";
import { useFeedback } from "../../feedback";
import { useT, type Messages } from "../../i18n";
import { useReviewLabels } from "./labels";
import { errorCode, errorText, type Decision, type ReviewAction, type ReviewItem } from "./model";
import type { ReviewRole } from "./useReviewRole";

const OVERRIDE_MIN = 10;

const messages: Messages<
  | "claim"
  | "claimedByMe"
  | "takeOver"
  | "heldBy"
  | "claimDone"
  | "approve"
  | "requestChanges"
  | "reject"
  | "commentOptional"
  | "commentRequired"
  | "overrideLabel"
  | "placeholderApprove"
  | "placeholderRefuse"
  | "placeholderOverride"
  | "submitApprove"
  | "submitRequestChanges"
  | "submitReject"
  | "pick"
  | "needReason"
  | "needOverride"
  | "overrideWarning"
  | "agencyBlockingWarning"
  | "done"
  | "waitingFor"
  | "ownSubmission"
  | "decidedAs"
  | "level"
  | "closedBy"
  | "lastStep"
> = {
  zh: {
    claim: "认领",
    claimedByMe: "已认领",
    takeOver: "接手（已超时）",
    heldBy: "{name} 正在处理",
    claimDone: "已认领，这条由你来审",
    approve: "通过",
    requestChanges: "退回修改",
    reject: "驳回",
    commentOptional: "审核意见（选填）",
    commentRequired: "原因（必填，会发给提交人）",
    overrideLabel: "豁免理由（必填，至少 10 个字）",
    placeholderApprove: "可以补充一句给提交人或下一级审核",
    placeholderRefuse: "具体说明哪里要改、怎么改",
    placeholderOverride: "说明为什么这些阻断问题可以放行，例如已取得相关资质证明",
    submitApprove: "确认通过",
    submitRequestChanges: "确认退回修改",
    submitReject: "确认驳回",
    pick: "选择审核结论",
    needReason: "请填写原因",
    needOverride: "豁免理由至少 10 个字",
    overrideWarning: "AI 检出 {n} 项阻断问题尚未处理。直接通过需要填写豁免理由并记入审计；也可以先把误报标记出来，或退回修改。",
    agencyBlockingWarning: "AI 检出 {n} 项阻断问题。通过后，品牌终审仍需逐项处理或填写豁免理由。",
    done: "已提交审核结论",
    waitingFor: "等待{level}",
    ownSubmission: "这是你提交的素材，需由他人审核",
    decidedAs: "审核已结束",
    level: "当前环节",
    closedBy: "{who}（{level}）",
    lastStep: "上一步：{action} · {who}",
  },
  en: {
    claim: "Claim",
    claimedByMe: "Claimed",
    takeOver: "Take over (overdue)",
    heldBy: "{name} has it",
    claimDone: "Claimed: this one is yours",
    approve: "Approve",
    requestChanges: "Request changes",
    reject: "Reject",
    commentOptional: "Comment (optional)",
    commentRequired: "Reason (required; the submitter sees it)",
    overrideLabel: "Override reason (required, 10+ characters)",
    placeholderApprove: "A word for the submitter or the next level",
    placeholderRefuse: "Say what to change and how",
    placeholderOverride: "Why these blocking findings may go out anyway, e.g. the licence is on file",
    submitApprove: "Approve",
    submitRequestChanges: "Send back for changes",
    submitReject: "Reject",
    pick: "Choose a decision",
    needReason: "Give a reason",
    needOverride: "The override reason needs 10 characters or more",
    overrideWarning:
      "The AI check left {n} blocking finding(s). Approving needs an override reason (audited); you can also mark false alarms first or request changes.",
    agencyBlockingWarning:
      "The AI check found {n} blocking issue(s). After your approval the brand must still clear or override them.",
    done: "Decision recorded",
    waitingFor: "Waiting for {level}",
    ownSubmission: "You submitted this; someone else reviews it",
    decidedAs: "This review is closed",
    level: "Now at",
    closedBy: "{who} ({level})",
    lastStep: "Last step: {action} · {who}",
  },
};

export interface DecisionPanelProps {
  item: ReviewItem;
  role: ReviewRole;
  person: (id: string | null | undefined) => string;
  /** The step that closed (or last advanced) the item, for its outcome banner. */
  outcome?: Decision | undefined;
  onUpdated: (item: ReviewItem) => void;
  onReload: () => void;
}

function ClaimControl({ item, role, person, onUpdated, onReload }: DecisionPanelProps) {
  const t = useT(messages);
  const { message } = useFeedback();
  const [busy, setBusy] = useState(false);
  const mine = item.assignee_id !== null && item.assignee_id === role.userId;
  const held = item.assignee_id !== null && !mine;
  const claim = async () => {
    setBusy(true);
    try {
      const updated = await call(
        api.POST("/v1/reviews/{item_id}/claim", {
          params: { path: { item_id: item.id } },
          body: { expected_revision: item.revision },
        }),
      );
      if (!mine) void message.success(t("claimDone"));
      onUpdated(updated);
    } catch (error) {
      void message.error(errorText(error));
      onReload();
    } finally {
      setBusy(false);
    }
  };
  const button = (
    <Button
      data-testid="review-claim"
      icon={mine ? <CheckOutlined /> : <UserAddOutlined />}
      type={mine ? "default" : "primary"}
      ghost={!mine}
      loading={busy}
      disabled={held && !item.overdue}
      onClick={() => void claim()}
    >
      {mine ? t("claimedByMe") : held ? t("takeOver") : t("claim")}
    </Button>
  );
  return (
    <Flex align="center" gap={8} wrap>
      {held && !item.overdue ? <Tooltip title={t("heldBy", { name: person(item.assignee_id) })}>{button}</Tooltip> : button}
      {held && <Typography.Text type="secondary">{t("heldBy", { name: person(item.assignee_id) })}</Typography.Text>}
    </Flex>
  );
}

export function DecisionPanel(props: DecisionPanelProps) {
  const { item, role, onUpdated, onReload } = props;
  const t = useT(messages);
  const labels = useReviewLabels();
  const { message } = useFeedback();
  const [action, setAction] = useState<ReviewAction | null>(null);
  const [comment, setComment] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setAction(null);
    setComment("");
    setProblem(null);
  }, [item.id, item.state]);

  if (!item.pending_level) {
    const { outcome, person } = props;
    if (!outcome) return <Typography.Text type="secondary">{t("decidedAs")}</Typography.Text>;
    const level = outcome.level === "agency" || outcome.level === "brand" ? labels.level(outcome.level) : null;
    const who = person(outcome.actor_user_id ?? outcome.actor_id);
    const type =
      item.state === "brand_approved" ? "success" : item.state === "changes_requested" ? "warning" : item.state === "withdrawn" ? "info" : "error";
    return (
      <Alert
        type={type}
        showIcon
        data-testid="review-outcome"
        title={`${labels.state(item.state)} · ${level ? t("closedBy", { who, level }) : who}`}
        description={outcome.reason ? `“${outcome.reason}”` : undefined}
      />
    );
  }
  if (!role.canDecide(item)) {
    const waiting = t("waitingFor", { level: labels.level(item.pending_level) });
    return (
      <Space orientation="vertical" size={4}>
        <Typography.Text>{waiting}</Typography.Text>
        {role.isMine(item) && <Typography.Text type="secondary">{t("ownSubmission")}</Typography.Text>}
      </Space>
    );
  }

  const brandLevel = item.pending_level === "brand";
  const needsOverride = brandLevel && action === "approve" && item.open_blocking > 0;
  const refusing = action === "reject" || action === "request_changes";
  const label = needsOverride ? t("overrideLabel") : refusing ? t("commentRequired") : t("commentOptional");
  const placeholder = needsOverride ? t("placeholderOverride") : refusing ? t("placeholderRefuse") : t("placeholderApprove");

  const submit = async () => {
    const text = comment.trim();
    if (!action) return setProblem(t("pick"));
    if (refusing && !text) return setProblem(t("needReason"));
    if (needsOverride && text.length < OVERRIDE_MIN) return setProblem(t("needOverride"));
    setProblem(null);
    setBusy(true);
    const body: Schemas["DecisionRequest"] = {
      action,
      reason: needsOverride ? null : text || null,
      override: needsOverride ? { reason: text } : null,
      expected_revision: item.revision,
    };
    try {
      const updated = await call(
        api.POST("/v1/reviews/{item_id}/decisions", { params: { path: { item_id: item.id } }, body }),
      );
      void message.success(t("done"));
      onUpdated(updated);
    } catch (error) {
      void message.error(errorText(error));
      const code = errorCode(error);
      if (code === "stale_revision" || code === "review_conflict" || code === "invalid_transition") onReload();
    } finally {
      setBusy(false);
    }
  };

  const choice = (value: ReviewAction, testId: string, text: string, icon: ReactNode, danger = false) => (
    <Button
      data-testid={testId}
      aria-pressed={action === value}
      icon={icon}
      type={action === value ? "primary" : "default"}
      danger={danger}
      onClick={() => {
        setAction(value);
        setProblem(null);
      }}
    >
      {text}
    </Button>
  );
  const submitText =
    action === "reject" ? t("submitReject") : action === "request_changes" ? t("submitRequestChanges") : t("submitApprove");

  return (
    <Space orientation="vertical" size={12} style={{ width: "100%" }} data-testid="review-decision">
      <ClaimControl {...props} />
      {props.outcome && props.outcome.action === "approve" && (
        <Typography.Text type="secondary" data-testid="review-last-step">
          {t("lastStep", { action: t("approve"), who: props.person(props.outcome.actor_user_id ?? props.outcome.actor_id) })}
          {props.outcome.reason ? `：“${props.outcome.reason}”` : ""}
        </Typography.Text>
      )}
      {item.open_blocking > 0 && (
        <Alert
          type={brandLevel ? "warning" : "info"}
          showIcon
          title={t(brandLevel ? "overrideWarning" : "agencyBlockingWarning", { n: item.open_blocking })}
        />
      )}
      <Flex gap={8} wrap role="group" aria-label={t("pick")}>
        {choice("approve", "review-approve", t("approve"), <CheckOutlined />)}
        {choice("request_changes", "review-request-changes", t("requestChanges"), <EditOutlined />)}
        {choice("reject", "review-reject", t("reject"), <CloseOutlined />, true)}
      </Flex>
      <div>
        <label htmlFor={`review-comment-${item.id}`} style={{ display: "block", marginBottom: 4 }}>
          {label}
        </label>
        <Input.TextArea
          id={`review-comment-${item.id}`}
          data-testid="review-comment"
          value={comment}
          onChange={(event) => setComment(event.target.value)}
          autoSize={{ minRows: 2, maxRows: 6 }}
          maxLength={4000}
          placeholder={placeholder}
          status={problem && action ? "error" : undefined}
        />
        {problem && (
          <Typography.Text type="danger" role="alert">
            {problem}
          </Typography.Text>
        )}
      </div>
      <Button
        type="primary"
        danger={action === "reject"}
        block
        disabled={!action}
        loading={busy}
        data-testid="review-decision-submit"
        onClick={() => void submit()}
      >
        {action ? submitText : t("pick")}
      </Button>
    </Space>
  );
}
