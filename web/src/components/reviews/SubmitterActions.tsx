// The submitting side's actions: withdraw an open item, or resubmit a new version after a refusal.
import { RedoOutlined, RollbackOutlined } from "@ant-design/icons";
import { Button, Form, Input, Modal, Space, Typography } from "antd";
import { useState } from "react";

import { api, call } from "../../api/client";
import { useFeedback } from "../../feedback";
import { useT, type Messages } from "../../i18n";
import { canResubmit, errorText, isOpen, type ReviewItem } from "./model";
import type { ReviewRole } from "./useReviewRole";

const messages: Messages<
  | "withdraw"
  | "withdrawTitle"
  | "withdrawHint"
  | "withdrawReason"
  | "withdrawn"
  | "resubmit"
  | "resubmitTitle"
  | "resubmitHint"
  | "branch"
  | "path"
  | "note"
  | "resubmitted"
  | "cancel"
  | "required"
> = {
  zh: {
    withdraw: "撤回",
    withdrawTitle: "撤回这次送审？",
    withdrawHint: "撤回后审核人不再处理；改好后可以重新提交，评论和记录都会保留。",
    withdrawReason: "撤回原因（选填）",
    withdrawn: "已撤回",
    resubmit: "提交新版本",
    resubmitTitle: "提交修改后的新版本",
    resubmitHint: "先把修改提交到分支，再在这里重新送审；新版本沿用这条审核线程的评论和记录。",
    branch: "分支",
    path: "素材路径",
    note: "修改说明",
    resubmitted: "新版本已提交，AI 检测中",
    cancel: "取消",
    required: "必填",
  },
  en: {
    withdraw: "Withdraw",
    withdrawTitle: "Withdraw this submission?",
    withdrawHint: "Reviewers stop working on it; resubmit when ready — comments and history stay.",
    withdrawReason: "Reason (optional)",
    withdrawn: "Withdrawn",
    resubmit: "Resubmit new version",
    resubmitTitle: "Resubmit the changed version",
    resubmitHint: "Commit your changes to the branch first; the new version keeps this thread's comments and history.",
    branch: "Branch",
    path: "Asset path",
    note: "What changed",
    resubmitted: "New version submitted; the AI check is running",
    cancel: "Cancel",
    required: "Required",
  },
};

export interface SubmitterActionsProps {
  item: ReviewItem;
  role: ReviewRole;
  onUpdated: (item: ReviewItem) => void;
  onResubmitted: (item: ReviewItem) => void;
}

export function SubmitterActions({ item, role, onUpdated, onResubmitted }: SubmitterActionsProps) {
  const t = useT(messages);
  const { message } = useFeedback();
  const [dialog, setDialog] = useState<"withdraw" | "resubmit" | null>(null);
  const [busy, setBusy] = useState(false);
  const [withdrawForm] = Form.useForm<{ reason?: string }>();
  const [resubmitForm] = Form.useForm<{ branch: string; path: string; note?: string }>();

  if (!role.isSubmitterSide(item)) return null;
  const open = isOpen(item);
  const again = canResubmit(item);
  if (!open && !again) return null;

  const withdraw = async ({ reason }: { reason?: string }) => {
    setBusy(true);
    try {
      const updated = await call(
        api.POST("/v1/reviews/{item_id}/withdraw", {
          params: { path: { item_id: item.id } },
          body: { reason: reason?.trim() || null, expected_revision: item.revision },
        }),
      );
      void message.success(t("withdrawn"));
      setDialog(null);
      onUpdated(updated);
    } catch (error) {
      void message.error(errorText(error));
    } finally {
      setBusy(false);
    }
  };

  const resubmit = async (values: { branch: string; path: string; note?: string }) => {
    setBusy(true);
    try {
      const created = await call(
        api.POST("/v1/reviews/{item_id}/resubmit", {
          params: { path: { item_id: item.id } },
          body: { branch: values.branch.trim(), path: values.path.trim(), note: values.note?.trim() || null },
        }),
      );
      void message.success(t("resubmitted"));
      setDialog(null);
      onResubmitted(created);
    } catch (error) {
      void message.error(errorText(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Space wrap>
      {open && (
        <Button icon={<RollbackOutlined />} data-testid="review-withdraw" onClick={() => setDialog("withdraw")}>
          {t("withdraw")}
        </Button>
      )}
      {again && (
        <Button type="primary" icon={<RedoOutlined />} data-testid="review-resubmit" onClick={() => setDialog("resubmit")}>
          {t("resubmit")}
        </Button>
      )}
      <Modal
        open={dialog === "withdraw"}
        title={t("withdrawTitle")}
        okText={t("withdraw")}
        okButtonProps={{ danger: true }}
        cancelText={t("cancel")}
        confirmLoading={busy}
        onOk={() => withdrawForm.submit()}
        onCancel={() => setDialog(null)}
        destroyOnHidden
      >
        <Typography.Paragraph type="secondary">{t("withdrawHint")}</Typography.Paragraph>
        <Form form={withdrawForm} layout="vertical" onFinish={withdraw}>
          <Form.Item name="reason" label={t("withdrawReason")}>
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 4 }} maxLength={4000} />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={dialog === "resubmit"}
        title={t("resubmitTitle")}
        okText={t("resubmit")}
        cancelText={t("cancel")}
        confirmLoading={busy}
        onOk={() => resubmitForm.submit()}
        onCancel={() => setDialog(null)}
        destroyOnHidden
      >
        <Typography.Paragraph type="secondary">{t("resubmitHint")}</Typography.Paragraph>
        <Form
          form={resubmitForm}
          layout="vertical"
          onFinish={resubmit}
          initialValues={{ branch: item.branch, path: item.path }}
          requiredMark={false}
        >
          <Form.Item name="branch" label={t("branch")} rules={[{ required: true, whitespace: true, message: t("required") }]}>
            <Input />
          </Form.Item>
          <Form.Item name="path" label={t("path")} rules={[{ required: true, whitespace: true, message: t("required") }]}>
            <Input />
          </Form.Item>
          <Form.Item name="note" label={t("note")}>
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 4 }} maxLength={4000} />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}
