// Save the picked variants to a campaign branch: a new one (from main) or one that exists.
import { BranchesOutlined } from "@ant-design/icons";
import { Alert, Button, Flex, Input, Modal, Radio, Result, Select, Typography } from "antd";
import { useEffect, useState } from "react";
import { Link } from "react-router";

import { api, ApiError, call, type Schemas } from "../../api/client";
import { useT, type Messages } from "../../i18n";
import { useBrandId } from "../../session";
import { defaultBranchName, validBranchName, type Variant } from "./model";
import { saveToBranch } from "./save";
import type { CopyEdit } from "./VariantCard";

type Key =
  | "title"
  | "mode"
  | "create"
  | "existing"
  | "name"
  | "nameHelp"
  | "nameBad"
  | "pick"
  | "noBranches"
  | "message"
  | "messageDefault"
  | "confirm"
  | "cancel"
  | "summary"
  | "edited"
  | "flagged"
  | "done"
  | "doneSub"
  | "open"
  | "close";

const messages: Messages<Key> = {
  zh: {
    title: "保存到活动分支",
    mode: "保存到",
    create: "新建分支",
    existing: "已有分支",
    name: "分支名称",
    nameHelp: "仅限英文字母、数字、- _ . /，例如 campaign/618-sunscreen",
    nameBad: "分支名称不合法",
    pick: "选择分支",
    noBranches: "还没有活动分支，请新建一个",
    message: "提交说明",
    messageDefault: "从创作工作台保存 {n} 条：{product}",
    confirm: "保存",
    cancel: "取消",
    summary: "将保存 {n} 条内容（共 {assets} 个文件）",
    edited: "其中 {n} 条文案经过人工修改，将作为新版本提交",
    flagged: "{n} 条仍有违规项，合并到主分支前需要通过审核",
    done: "已保存到 {branch}",
    doneSub: "提交 {commit}，可在分支页发起审核与合并",
    open: "查看分支",
    close: "完成",
  },
  en: {
    title: "Save to a campaign branch",
    mode: "Save to",
    create: "New branch",
    existing: "Existing branch",
    name: "Branch name",
    nameHelp: "Letters, digits, - _ . / only, e.g. campaign/618-sunscreen",
    nameBad: "Not a valid branch name",
    pick: "Branch",
    noBranches: "No campaign branches yet: create one",
    message: "Commit message",
    messageDefault: "Saved {n} variants from the studio: {product}",
    confirm: "Save",
    cancel: "Cancel",
    summary: "{n} variants ({assets} files) will be saved",
    edited: "{n} edited copies are committed as new versions",
    flagged: "{n} still have blocking findings: they need review before merging to main",
    done: "Saved to {branch}",
    doneSub: "Commit {commit}; review and merge it from the branches page",
    open: "Open branches",
    close: "Done",
  },
};

function errorText(e: unknown): string {
  return e instanceof ApiError ? e.message : String(e);
}

export function SaveToBranch({
  variants,
  copyEdits,
  product,
  blocked,
  onClose,
}: {
  variants: Variant[];
  copyEdits: Record<string, CopyEdit>;
  product: string;
  blocked: number;
  onClose: () => void;
}) {
  const t = useT(messages);
  const brandId = useBrandId();
  const [mode, setMode] = useState<"create" | "existing">("create");
  const [name, setName] = useState(() => defaultBranchName(product));
  const [branches, setBranches] = useState<string[] | null>(null);
  const [existing, setExisting] = useState<string | undefined>(undefined);
  const [note, setNote] = useState(() => t("messageDefault", { n: variants.length, product }));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<{ branch: string; commit: Schemas["CommitPublic"] } | null>(null);

  useEffect(() => {
    let live = true;
    call(api.GET("/v1/brands/{brand_id}/branches", { params: { path: { brand_id: brandId } } }))
      .then((refs) => {
        if (!live) return;
        const names = refs.map((r) => r.name).filter((n) => n !== "main" && !n.startsWith("generations/"));
        setBranches(names);
      })
      .catch((e: unknown) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [brandId]);

  const target = mode === "create" ? name.trim() : (existing ?? "");
  const nameOk = mode === "existing" ? Boolean(existing) : validBranchName(target);
  const edited = variants.filter((v) => copyEdits[v.key]).length;
  const files = variants.reduce(
    (sum, v) => sum + (v.copy?.path ? 1 : 0) + (v.poster?.renditions.length ?? 0) * 2 + (v.video ? 2 : 0),
    0,
  );

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const commit = await saveToBranch(brandId, target, mode === "create", variants, copyEdits, note.trim() || t("messageDefault", { n: variants.length, product }), () => {
        // the branch exists from now on: a retry after a failed commit saves to it
        setBranches((all) => [...(all ?? []), target]);
        setExisting(target);
        setMode("existing");
      });
      setDone({ branch: target, commit });
    } catch (e) {
      setError(errorText(e));
    } finally {
      setSaving(false);
    }
  };

  if (done) {
    return (
      <Modal open onCancel={onClose} footer={null} title={t("title")}>
        <Result
          status="success"
          title={t("done", { branch: done.branch })}
          subTitle={t("doneSub", { commit: done.commit.id.slice(0, 12) })}
          data-testid="save-done"
          extra={[
            <Link key="open" to={`/branches?branch=${encodeURIComponent(done.branch)}`}>
              <Button icon={<BranchesOutlined />}>{t("open")}</Button>
            </Link>,
            <Button key="close" type="primary" onClick={onClose}>
              {t("close")}
            </Button>,
          ]}
        />
      </Modal>
    );
  }

  return (
    <Modal
      open
      title={t("title")}
      onCancel={onClose}
      footer={[
        <Button key="cancel" onClick={onClose}>
          {t("cancel")}
        </Button>,
        <Button key="save" type="primary" loading={saving} disabled={!nameOk || variants.length === 0} onClick={() => void save()} data-testid="save-confirm">
          {t("confirm")}
        </Button>,
      ]}
    >
      <Flex vertical gap={14} data-testid="save-dialog">
        <Typography.Text>{t("summary", { n: variants.length, assets: files })}</Typography.Text>
        {edited ? <Alert type="info" showIcon title={t("edited", { n: edited })} /> : null}
        {blocked ? <Alert type="warning" showIcon title={t("flagged", { n: blocked })} /> : null}
        <Radio.Group
          value={mode}
          onChange={(e) => setMode(e.target.value as "create" | "existing")}
          optionType="button"
          aria-label={t("mode")}
          options={[
            { value: "create", label: t("create") },
            { value: "existing", label: t("existing"), disabled: branches !== null && branches.length === 0 },
          ]}
          data-testid="save-mode"
        />
        {mode === "create" ? (
          <Flex vertical gap={4}>
            <label htmlFor="studio-branch-name">{t("name")}</label>
            <Input
              id="studio-branch-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              status={name && !validBranchName(name.trim()) ? "error" : undefined}
              maxLength={100}
              data-testid="branch-name"
            />
            <Typography.Text type={name && !validBranchName(name.trim()) ? "danger" : "secondary"}>
              {name && !validBranchName(name.trim()) ? t("nameBad") : t("nameHelp")}
            </Typography.Text>
          </Flex>
        ) : (
          <Flex vertical gap={4}>
            <label htmlFor="studio-branch-pick">{t("pick")}</label>
            <Select
              id="studio-branch-pick"
              showSearch
              loading={branches === null}
              value={existing}
              onChange={setExisting}
              options={(branches ?? []).map((b) => ({ value: b, label: b }))}
              notFoundContent={t("noBranches")}
              data-testid="branch-select"
            />
          </Flex>
        )}
        <Flex vertical gap={4}>
          <label htmlFor="studio-commit-message">{t("message")}</label>
          <Input.TextArea id="studio-commit-message" value={note} onChange={(e) => setNote(e.target.value)} autoSize={{ minRows: 1, maxRows: 4 }} maxLength={5000} />
        </Flex>
        {error ? <Alert type="error" showIcon title={error} data-testid="save-error" /> : null}
      </Flex>
    </Modal>
  );
}
