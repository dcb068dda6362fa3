// Start a branch from any branch, tag or commit (O(1): nothing is copied).
import { Form, Input, Modal, Select } from "antd";
import { useState } from "react";

import { api, call, type Schemas } from "../../api/client";
import { useFeedback } from "../../feedback";
import { useT, type Messages } from "../../i18n";
import { errorText, MAIN } from "./format";

type Ref = Schemas["RefPublic"];

const NAME_PATTERN = /^(?!.*\.\.)(?!.*\/\/)(?!.*\/\.)(?![0-9a-f]{7,64}$)[A-Za-z0-9._\-/]+(?<![/.])(?<!\.lock)$/;

const messages: Messages<"title" | "name" | "namePlaceholder" | "nameHelp" | "nameInvalid" | "from" | "fromHelp" | "create" | "cancel" | "created" | "required"> = {
  zh: {
    title: "新建分支",
    name: "分支名称",
    namePlaceholder: "例如 campaign/618-kv",
    nameHelp: "可用字母、数字、. _ - /，建议按「活动/用途」命名",
    nameInvalid: "只能包含字母、数字、. _ - /，不能以 / 或 . 结尾，也不能像提交 ID",
    from: "基于",
    fromHelp: "新分支从这里的最新内容开始",
    create: "创建",
    cancel: "取消",
    created: "已创建分支 {name}",
    required: "请填写分支名称",
  },
  en: {
    title: "New branch",
    name: "Branch name",
    namePlaceholder: "e.g. campaign/618-kv",
    nameHelp: "Letters, digits, . _ - /; name it by campaign or purpose",
    nameInvalid: "Only letters, digits, . _ - /; not ending in / or .; not a commit id",
    from: "Start from",
    fromHelp: "The new branch starts with this ref's content",
    create: "Create",
    cancel: "Cancel",
    created: "Branch {name} created",
    required: "Enter a branch name",
  },
};

interface Props {
  brandId: string;
  open: boolean;
  refs: Ref[];
  defaultFrom?: string;
  onClose: () => void;
  onCreated: (ref: Ref) => void;
}

export function CreateBranchDialog({ brandId, open, refs, defaultFrom = MAIN, onClose, onCreated }: Props) {
  const t = useT(messages);
  const { message } = useFeedback();
  const [form] = Form.useForm<{ name: string; from_ref: string }>();
  const [busy, setBusy] = useState(false);

  const submit = async (values: { name: string; from_ref: string }) => {
    setBusy(true);
    try {
      const ref = await call(
        api.POST("/v1/brands/{brand_id}/branches", {
          params: { path: { brand_id: brandId } },
          body: { name: values.name.trim(), from_ref: values.from_ref },
        }),
      );
      message.success(t("created", { name: ref.name }));
      form.resetFields();
      onCreated(ref);
    } catch (caught) {
      form.setFields([{ name: "name", errors: [errorText(caught)] }]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t("title")}
      okText={t("create")}
      cancelText={t("cancel")}
      onCancel={onClose}
      onOk={() => form.submit()}
      okButtonProps={{ loading: busy, "data-testid": "branch-create-submit" }}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" initialValues={{ from_ref: defaultFrom }} onFinish={(values) => void submit(values)} requiredMark={false}>
        <Form.Item
          label={t("name")}
          name="name"
          extra={t("nameHelp")}
          rules={[
            { required: true, whitespace: true, message: t("required") },
            { pattern: NAME_PATTERN, message: t("nameInvalid") },
            { max: 100 },
          ]}
        >
          <Input placeholder={t("namePlaceholder")} autoFocus data-testid="branch-name-input" autoComplete="off" />
        </Form.Item>
        <Form.Item label={t("from")} name="from_ref" extra={t("fromHelp")}>
          <Select
            showSearch
            data-testid="branch-from-select"
            aria-label={t("from")}
            options={refs.map((ref) => ({ value: ref.name, label: ref.kind === "tag" ? `🏷 ${ref.name}` : ref.name }))}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
