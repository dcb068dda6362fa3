// The AI level's findings: what matched, why (legal basis), how to fix it; brand reviewers mark false alarms.
import { CheckCircleFilled, CommentOutlined, StopOutlined } from "@ant-design/icons";
import { Alert, Button, Collapse, Empty, Flex, Form, Input, Modal, Space, Spin, Tag, Typography } from "antd";
import { useState, type ReactNode } from "react";

import { api, call } from "../../api/client";
import { useFeedback } from "../../feedback";
import { useT, type Messages } from "../../i18n";
import { SEVERITY_COLOR, useReviewLabels } from "./labels";
import { errorText, type Finding, type ReviewItem } from "./model";

const messages: Messages<
  | "checking"
  | "clean"
  | "matched"
  | "law"
  | "suggestion"
  | "rewrite"
  | "falseAlarm"
  | "falseAlarmTitle"
  | "falseAlarmHint"
  | "reason"
  | "reasonPlaceholder"
  | "reasonShort"
  | "marked"
  | "excused"
  | "excusedList"
  | "comment"
  | "at"
  | "error"
  | "confirm"
  | "cancel"
> = {
  zh: {
    checking: "AI 正在做合规检测，稍候会自动刷新…",
    clean: "AI 未发现合规问题",
    matched: "命中",
    law: "法律依据",
    suggestion: "修改建议",
    rewrite: "建议改写",
    falseAlarm: "标记误报",
    falseAlarmTitle: "标记为误报",
    falseAlarmHint: "标记后这条问题不再阻断本素材，且今后本品牌同样的文字不再被这条规则拦截（可撤销）。",
    reason: "误报理由",
    reasonPlaceholder: "例如：“国家级”出自官方评定的非遗称号全称，有证书",
    reasonShort: "请写清理由（至少 5 个字）",
    marked: "已标记为误报",
    excused: "已标记误报",
    excusedList: "品牌已认定为误报、本次未计入的问题（{n}）",
    comment: "评论",
    at: "{s} 秒处",
    error: "AI 检测没能完成（{code}），请人工审核：{detail}",
    confirm: "确认标记",
    cancel: "取消",
  },
  en: {
    checking: "The AI compliance check is running; this refreshes by itself…",
    clean: "The AI check found no issues",
    matched: "Matched",
    law: "Legal basis",
    suggestion: "Suggestion",
    rewrite: "Rewrite",
    falseAlarm: "False alarm",
    falseAlarmTitle: "Mark as a false alarm",
    falseAlarmHint:
      "It stops blocking this asset, and this rule no longer flags the same text for the brand (revocable).",
    reason: "Why it is a false alarm",
    reasonPlaceholder: "e.g. the full official title of a certified heritage craft",
    reasonShort: "Give a reason (5 characters or more)",
    marked: "Marked as a false alarm",
    excused: "False alarm",
    excusedList: "Excused by the brand's reviewed exceptions, not counted ({n})",
    comment: "Comment",
    at: "at {s}s",
    error: "The AI check could not finish ({code}); review by hand: {detail}",
    confirm: "Mark",
    cancel: "Cancel",
  },
};

export interface FindingsPanelProps {
  item: ReviewItem;
  findings: Finding[];
  excused: Finding[];
  active: number | null;
  onSelect: (finding: Finding) => void;
  canMarkFalseAlarm: boolean;
  onChanged: () => void;
  onComment: (index: number) => void;
}

function FindingCard({
  finding,
  active,
  onSelect,
  actions,
}: {
  finding: Finding;
  active: boolean;
  onSelect: (finding: Finding) => void;
  actions?: ReactNode;
}) {
  const t = useT(messages);
  const labels = useReviewLabels();
  const color = finding.excused_by ? "#94a3b8" : { block: "#dc2626", warn: "#d97706", info: "#2563eb" }[finding.severity];
  const edge = active ? "#fdba74" : "#f0f0f0";
  return (
    <div
      data-testid="review-finding"
      data-index={finding.index}
      data-severity={finding.severity}
      onClick={() => onSelect(finding)}
      style={{
        background: active ? "#fff7ed" : "#fff",
        borderTop: `1px solid ${edge}`,
        borderRight: `1px solid ${edge}`,
        borderBottom: `1px solid ${edge}`,
        borderLeft: `4px solid ${color}`,
        borderRadius: 8,
        padding: "10px 12px",
        cursor: "pointer",
      }}
    >
      <Flex justify="space-between" align="flex-start" gap={8} wrap>
        <Space size={6} wrap>
          <Typography.Text type="secondary">#{finding.index + 1}</Typography.Text>
          <Tag color={SEVERITY_COLOR[finding.severity]} style={{ marginInlineEnd: 0 }}>
            {labels.severity(finding.severity)}
          </Tag>
          <Typography.Text strong>{labels.category(finding.category)}</Typography.Text>
          {finding.excused_by && <Tag>{t("excused")}</Tag>}
          {finding.frame_s !== null && <Tag>{t("at", { s: finding.frame_s.toFixed(1) })}</Tag>}
        </Space>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {finding.rule_id}
        </Typography.Text>
      </Flex>
      {finding.matched && (
        <Typography.Paragraph style={{ margin: "6px 0 0" }}>
          <Typography.Text type="secondary">{t("matched")}：</Typography.Text>
          <Typography.Text mark>「{finding.matched}」</Typography.Text>
        </Typography.Paragraph>
      )}
      {finding.message && <Typography.Paragraph style={{ margin: "4px 0 0" }}>{finding.message}</Typography.Paragraph>}
      {finding.law_ref && (
        <Typography.Paragraph style={{ margin: "4px 0 0" }}>
          <Typography.Text type="secondary">{t("law")}：</Typography.Text>
          {finding.law_ref}
        </Typography.Paragraph>
      )}
      {finding.suggestion && (
        <Typography.Paragraph style={{ margin: "4px 0 0" }}>
          <Typography.Text type="secondary">{t("suggestion")}：</Typography.Text>
          {finding.suggestion}
        </Typography.Paragraph>
      )}
      {finding.rewrite && (
        <Typography.Paragraph style={{ margin: "4px 0 0" }} copyable={{ text: finding.rewrite }}>
          <Typography.Text type="secondary">{t("rewrite")}：</Typography.Text>
          <Typography.Text type="success">{finding.rewrite}</Typography.Text>
        </Typography.Paragraph>
      )}
      {actions && (
        <Flex gap={4} justify="flex-end" style={{ marginTop: 4 }} onClick={(event) => event.stopPropagation()}>
          {actions}
        </Flex>
      )}
    </div>
  );
}

export function FindingsPanel(props: FindingsPanelProps) {
  const { item, findings, excused, active, onSelect, canMarkFalseAlarm, onChanged, onComment } = props;
  const t = useT(messages);
  const { message } = useFeedback();
  const [marking, setMarking] = useState<Finding | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ reason: string }>();

  if (item.state === "submitted") {
    return (
      <Flex align="center" gap={12} style={{ padding: 16 }}>
        <Spin />
        <Typography.Text type="secondary">{t("checking")}</Typography.Text>
      </Flex>
    );
  }

  const markFalseAlarm = async ({ reason }: { reason: string }) => {
    if (!marking) return;
    setBusy(true);
    try {
      await call(
        api.POST("/v1/reviews/{item_id}/false-alarms", {
          params: { path: { item_id: item.id } },
          body: { finding_index: marking.index, reason: reason.trim(), expected_revision: item.revision },
        }),
      );
      void message.success(t("marked"));
      setMarking(null);
      form.resetFields();
      onChanged();
    } catch (error) {
      void message.error(errorText(error));
    } finally {
      setBusy(false);
    }
  };

  const error = item.ai_error as { code?: string; detail?: string } | null | undefined;
  return (
    <Space orientation="vertical" size={8} style={{ width: "100%" }} data-testid="review-findings">
      {error && (
        <Alert
          type="warning"
          showIcon
          title={t("error", { code: error.code ?? "error", detail: error.detail ?? "" })}
        />
      )}
      {!error && findings.length === 0 && (
        <Empty
          image={<CheckCircleFilled style={{ fontSize: 40, color: "#16a34a" }} />}
          styles={{ image: { height: 44 } }}
          description={t("clean")}
        />
      )}
      {findings.map((finding) => (
        <FindingCard
          key={finding.index}
          finding={finding}
          active={finding.index === active}
          onSelect={onSelect}
          actions={
            <>
              <Button size="small" type="text" icon={<CommentOutlined />} onClick={() => onComment(finding.index)}>
                {t("comment")}
              </Button>
              {canMarkFalseAlarm && !finding.excused_by && finding.matched && (
                <Button
                  size="small"
                  type="text"
                  icon={<StopOutlined />}
                  data-testid="review-false-alarm"
                  onClick={() => setMarking(finding)}
                >
                  {t("falseAlarm")}
                </Button>
              )}
            </>
          }
        />
      ))}
      {excused.length > 0 && (
        <Collapse
          size="small"
          ghost
          items={[
            {
              key: "excused",
              label: t("excusedList", { n: excused.length }),
              children: (
                <Space orientation="vertical" size={8} style={{ width: "100%" }}>
                  {excused.map((finding, i) => (
                    <FindingCard key={i} finding={{ ...finding, excused_by: finding.excused_by ?? "x" }} active={false} onSelect={() => undefined} />
                  ))}
                </Space>
              ),
            },
          ]}
        />
      )}
      <Modal
        open={marking !== null}
        title={t("falseAlarmTitle")}
        okText={t("confirm")}
        cancelText={t("cancel")}
        confirmLoading={busy}
        onOk={() => form.submit()}
        onCancel={() => setMarking(null)}
        okButtonProps={{ "data-testid": "review-false-alarm-submit" } as Record<string, string>}
        destroyOnHidden
      >
        <Typography.Paragraph type="secondary">{t("falseAlarmHint")}</Typography.Paragraph>
        {marking && (
          <Typography.Paragraph>
            「{marking.matched}」 · {marking.rule_id}
          </Typography.Paragraph>
        )}
        <Form form={form} layout="vertical" onFinish={markFalseAlarm} requiredMark={false}>
          <Form.Item
            name="reason"
            label={t("reason")}
            rules={[{ required: true, whitespace: true, min: 5, message: t("reasonShort") }]}
          >
            <Input.TextArea
              data-testid="review-false-alarm-reason"
              autoSize={{ minRows: 2, maxRows: 5 }}
              maxLength={4000}
              placeholder={t("reasonPlaceholder")}
            />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}
