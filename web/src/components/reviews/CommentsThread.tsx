// The item's comment thread (all versions of the asset), optionally anchored to an AI finding.
import { SendOutlined } from "@ant-design/icons";
import { Alert, Avatar, Button, Empty, Flex, Input, Skeleton, Space, Tag, Typography } from "antd";
import { useCallback, useEffect, useState } from "react";

import { api, call, type Schemas } from "../../api/client";
import { useFeedback } from "../../feedback";
import { useT, type Messages } from "../../i18n";
import { useReviewLabels } from "./labels";
import { errorText, formatTime, type Finding, type ReviewComment, type ReviewItem } from "./model";

const messages: Messages<
  "empty" | "placeholder" | "add" | "label" | "about" | "earlier" | "clear" | "posted"
> = {
  zh: {
    empty: "还没有评论，说说你的看法",
    placeholder: "写下意见，Ctrl+Enter 发送",
    add: "发表评论",
    label: "评论",
    about: "关于问题 #{n}",
    earlier: "早前版本",
    clear: "取消关联",
    posted: "评论已发布",
  },
  en: {
    empty: "No comments yet",
    placeholder: "Write a comment, Ctrl+Enter to send",
    add: "Comment",
    label: "Comment",
    about: "On finding #{n}",
    earlier: "Earlier version",
    clear: "Unlink",
    posted: "Comment posted",
  },
};

export interface CommentsThreadProps {
  item: ReviewItem;
  findings: Finding[];
  anchor: number | null;
  onClearAnchor: () => void;
  onSelectFinding: (index: number) => void;
  person: (id: string | null | undefined) => string;
}

export function CommentsThread({ item, findings, anchor, onClearAnchor, onSelectFinding, person }: CommentsThreadProps) {
  const t = useT(messages);
  const labels = useReviewLabels();
  const { message } = useFeedback();
  const [comments, setComments] = useState<ReviewComment[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState("");
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    setError(null);
    try {
      setComments(await call(api.GET("/v1/reviews/{item_id}/comments", { params: { path: { item_id: item.id } } })));
    } catch (caught) {
      setError(errorText(caught));
      setComments([]);
    }
  }, [item.id]);

  useEffect(() => {
    void load();
  }, [load]);

  const add = async () => {
    const body = draft.trim();
    if (!body) return;
    setBusy(true);
    try {
      const payload: Schemas["CommentCreate"] = { body, anchor: anchor !== null ? { finding_index: anchor } : null };
      const created = await call(
        api.POST("/v1/reviews/{item_id}/comments", { params: { path: { item_id: item.id } }, body: payload }),
      );
      setComments((current) => [...(current ?? []), created]);
      setDraft("");
      onClearAnchor();
      void message.success(t("posted"));
    } catch (caught) {
      void message.error(errorText(caught));
    } finally {
      setBusy(false);
    }
  };

  const anchored = anchor !== null ? findings.find((finding) => finding.index === anchor) : undefined;
  return (
    <Space orientation="vertical" size={12} style={{ width: "100%" }} data-testid="review-comments">
      {error && <Alert type="error" showIcon title={error} role="alert" />}
      {comments === null ? (
        <Skeleton active avatar paragraph={{ rows: 1 }} />
      ) : comments.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("empty")} />
      ) : (
        comments.map((comment) => {
          const index = typeof comment.anchor?.finding_index === "number" ? comment.anchor.finding_index : null;
          const name = person(comment.author_user_id ?? comment.author_id);
          return (
            <Flex key={comment.id} gap={10} align="flex-start" data-testid="review-comment-item">
              <Avatar style={{ background: "#fed7aa", color: "#9a3412", flex: "none" }}>{name.slice(0, 1)}</Avatar>
              <div style={{ minWidth: 0, flex: 1 }}>
                <Space size={6} wrap>
                  <Typography.Text strong>{name}</Typography.Text>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {formatTime(comment.created_at, labels.lang)}
                  </Typography.Text>
                  {index !== null && (
                    <Tag color="orange" style={{ cursor: "pointer" }} onClick={() => onSelectFinding(index)}>
                      {t("about", { n: index + 1 })}
                    </Tag>
                  )}
                  {comment.item_id !== item.id && <Tag>{t("earlier")}</Tag>}
                </Space>
                <Typography.Paragraph style={{ margin: "2px 0 0", whiteSpace: "pre-wrap" }}>{comment.body}</Typography.Paragraph>
              </div>
            </Flex>
          );
        })
      )}
      <div>
        {anchored && (
          <Tag color="orange" closable onClose={onClearAnchor} style={{ marginBottom: 6 }}>
            {t("about", { n: anchored.index + 1 })} · {labels.category(anchored.category)}
          </Tag>
        )}
        <Input.TextArea
          aria-label={t("label")}
          data-testid="review-comment-input"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) void add();
          }}
          autoSize={{ minRows: 2, maxRows: 6 }}
          maxLength={10000}
          placeholder={t("placeholder")}
        />
        <Flex justify="flex-end" style={{ marginTop: 8 }}>
          <Button
            icon={<SendOutlined />}
            onClick={() => void add()}
            loading={busy}
            disabled={!draft.trim()}
            data-testid="review-comment-add"
          >
            {t("add")}
          </Button>
        </Flex>
      </div>
    </Space>
  );
}
