// Edit an asset's tags: pick from the brand's vocabulary (zh/en names) or type a free tag; saved as a commit.
import { Button, Flex, Select, Typography } from "antd";
import { useMemo, useState } from "react";

import { api, call, type Schemas } from "../../api/client";
import { useFeedback } from "../../feedback";
import { useLang, useT, type Messages } from "../../i18n";
import { errorText } from "./labels";
import type { TagName } from "./useFacets";

export type TagsResult = Schemas["AssetTagsPublic"];

const messages: Messages<"label" | "placeholder" | "save" | "cancel" | "saved" | "unchanged" | "hint" | "brandTag"> = {
  zh: {
    label: "标签",
    placeholder: "选择或输入标签，回车添加",
    save: "保存标签",
    cancel: "取消",
    saved: "标签已保存（新提交 {commit}），搜索将在重新索引后更新",
    unchanged: "标签没有变化",
    hint: "删除的 AI 标签会被记住，重新打标不会再加回来。",
    brandTag: "品牌",
  },
  en: {
    label: "Tags",
    placeholder: "Pick or type a tag, Enter to add",
    save: "Save tags",
    cancel: "Cancel",
    saved: "Tags saved (commit {commit}); search updates once the branch is reindexed",
    unchanged: "Nothing changed",
    hint: "Removed AI tags are remembered: re-tagging never brings them back.",
    brandTag: "brand",
  },
};

export function TagEditor({
  brandId,
  branch,
  path,
  tags,
  vocabulary,
  tagLabel,
  onSaved,
  onCancel,
}: {
  brandId: string;
  branch: string;
  path: string;
  tags: string[];
  vocabulary: TagName[];
  tagLabel: (id: string) => string;
  onSaved: (result: TagsResult) => void;
  onCancel?: () => void;
}) {
  const t = useT(messages);
  const { lang } = useLang();
  const { message } = useFeedback();
  const [value, setValue] = useState<string[]>(tags);
  const [saving, setSaving] = useState(false);
  const options = useMemo(
    () =>
      vocabulary.map((tag) => ({
        value: tag.id,
        label: lang === "zh" ? tag.zh : tag.en,
        search: `${tag.zh} ${tag.en} ${tag.id}`.toLowerCase(),
        source: tag.source,
      })),
    [vocabulary, lang],
  );

  async function save() {
    const before = new Set(tags);
    const after = new Set(value.map((tag) => tag.trim()).filter(Boolean));
    const add = [...after].filter((tag) => !before.has(tag));
    const remove = [...before].filter((tag) => !after.has(tag));
    if (!add.length && !remove.length) {
      message.info(t("unchanged"));
      onCancel?.();
      return;
    }
    setSaving(true);
    try {
      const result = await call(
        api.PATCH("/v1/brands/{brand_id}/asset-tags", {
          params: { path: { brand_id: brandId } },
          body: { branch, path, add, remove },
        }),
      );
      message.success(t("saved", { commit: (result.commit_id ?? "").slice(0, 8) }));
      onSaved(result);
    } catch (error) {
      message.error(errorText(error));
    } finally {
      setSaving(false);
    }
  }

  return (
    <Flex vertical gap={8} data-testid="tag-editor">
      <Select
        mode="tags"
        aria-label={t("label")}
        data-testid="tag-editor-select"
        placeholder={t("placeholder")}
        value={value}
        onChange={(next: string[]) => setValue(next)}
        options={options}
        optionRender={(option) => (
          <Flex justify="space-between" gap={8}>
            <span>{option.label}</span>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {option.data.source === "brand" ? t("brandTag") : String(option.value)}
            </Typography.Text>
          </Flex>
        )}
        labelRender={({ value: id }) => tagLabel(String(id))}
        filterOption={(input, option) => (option?.search ?? String(option?.value ?? "")).includes(input.toLowerCase())}
        tokenSeparators={[",", "，"]}
        style={{ width: "100%" }}
        maxTagTextLength={24}
      />
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t("hint")}
      </Typography.Text>
      <Flex gap={8} justify="flex-end">
        {onCancel ? <Button onClick={onCancel}>{t("cancel")}</Button> : null}
        <Button type="primary" loading={saving} onClick={() => void save()} data-testid="tag-editor-save">
          {t("save")}
        </Button>
      </Flex>
    </Flex>
  );
}
