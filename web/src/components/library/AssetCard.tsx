// One search or browse result: preview, title, kind, review state, tags, and its quick actions.
import { AppstoreAddOutlined, EyeOutlined, TagsOutlined } from "@ant-design/icons";
import { Card, Flex, Modal, Tag, Tooltip, Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router";

import type { Schemas } from "../../api/client";
import { useT, type Messages } from "../../i18n";
import { AssetThumb } from "./AssetThumb";
import { assetHref, baseName, StatusTag, useWord } from "./labels";
import { TagEditor, type TagsResult } from "./TagEditor";
import type { TagName } from "./useFacets";

export type Hit = Schemas["SearchHit"];

const messages: Messages<
  "open" | "similar" | "editTags" | "editTagsOf" | "noTags" | "more" | "semantic" | "keyword" | "image" | "similarity"
> = {
  zh: {
    open: "详情",
    similar: "找相似",
    editTags: "标签",
    editTagsOf: "编辑标签 · {name}",
    noTags: "暂无标签",
    more: "+{n}",
    semantic: "语义",
    keyword: "关键词",
    image: "图像",
    similarity: "相似度 {value}",
  },
  en: {
    open: "Details",
    similar: "More like this",
    editTags: "Tags",
    editTagsOf: "Edit tags · {name}",
    noTags: "No tags yet",
    more: "+{n}",
    semantic: "meaning",
    keyword: "keyword",
    image: "image",
    similarity: "similarity {value}",
  },
};

const VISIBLE_TAGS = 4;

export function AssetCard({
  hit,
  brandId,
  tagLabel,
  vocabulary,
  onMoreLikeThis,
  onTagsSaved,
}: {
  hit: Hit;
  brandId: string;
  tagLabel: (id: string) => string;
  vocabulary: TagName[];
  onMoreLikeThis: (hit: Hit) => void;
  onTagsSaved: (hit: Hit, result: TagsResult) => void;
}) {
  const t = useT(messages);
  const word = useWord();
  const [editing, setEditing] = useState(false);
  const name = hit.title || baseName(hit.path);
  const href = assetHref(hit.path, hit.branch);
  const shown = hit.tags.slice(0, VISIBLE_TAGS);
  const hidden = hit.tags.slice(VISIBLE_TAGS);
  const actions = [
    <Link key="open" to={href} aria-label={`${t("open")} ${name}`} data-testid="asset-open">
      <EyeOutlined /> {t("open")}
    </Link>,
    <Typography.Link key="tags" onClick={() => setEditing(true)} data-testid="asset-edit-tags">
      <TagsOutlined /> {t("editTags")}
    </Typography.Link>,
  ];
  if (hit.kind === "image") {
    actions.splice(
      1,
      0,
      <Typography.Link key="similar" onClick={() => onMoreLikeThis(hit)} data-testid="asset-more-like-this">
        <AppstoreAddOutlined /> {t("similar")}
      </Typography.Link>,
    );
  }
  return (
    <Card
      data-testid="asset-card"
      data-path={hit.path}
      data-branch={hit.branch}
      hoverable
      variant="outlined"
      styles={{ body: { padding: 12 } }}
      cover={
        <Link to={href} tabIndex={-1} aria-hidden>
          <AssetThumb
            kind={hit.kind}
            previewPath={hit.links.preview}
            contentPath={hit.links.content}
            alt={name}
          />
        </Link>
      }
      actions={actions}
    >
      <Flex vertical gap={6}>
        <Tooltip title={hit.path} placement="topLeft">
          <Typography.Text strong ellipsis style={{ maxWidth: "100%" }} data-testid="asset-card-title">
            {name}
          </Typography.Text>
        </Tooltip>
        <Flex gap={4} wrap align="center">
          <Tag>{word(hit.kind)}</Tag>
          <StatusTag status={hit.compliance_status} />
          {hit.campaign ? <Tag color="orange">{hit.campaign}</Tag> : null}
        </Flex>
        <Flex gap={4} wrap data-testid="asset-card-tags" style={{ minHeight: 22 }}>
          {shown.length ? (
            shown.map((tag) => (
              <Tag key={tag} variant="filled" data-tag={tag} style={{ marginInlineEnd: 0 }}>
                {tagLabel(tag)}
              </Tag>
            ))
          ) : (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t("noTags")}
            </Typography.Text>
          )}
          {hidden.length ? (
            <Tooltip title={hidden.map(tagLabel).join("、")}>
              <Tag variant="filled">{t("more", { n: hidden.length })}</Tag>
            </Tooltip>
          ) : null}
        </Flex>
        {hit.matched.length ? (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {hit.matched.map((leg) => t(leg)).join(" · ")}
            {hit.similarity !== null && hit.similarity !== undefined
              ? ` · ${t("similarity", { value: hit.similarity.toFixed(2) })}`
              : ""}
          </Typography.Text>
        ) : null}
      </Flex>
      <Modal
        open={editing}
        title={t("editTagsOf", { name })}
        footer={null}
        onCancel={() => setEditing(false)}
        destroyOnHidden
      >
        <TagEditor
          brandId={brandId}
          branch={hit.branch}
          path={hit.path}
          tags={hit.tags}
          vocabulary={vocabulary}
          tagLabel={tagLabel}
          onCancel={() => setEditing(false)}
          onSaved={(result) => {
            setEditing(false);
            onTagsSaved(hit, result);
          }}
        />
      </Modal>
    </Card>
  );
}
