// One review item: the exact version with its AI findings, the decision at the pending level, the comment
// thread and the audited history.
import { ArrowLeftOutlined, ArrowRightOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, Breadcrumb, Button, Card, Col, Descriptions, Flex, Row, Skeleton, Space, Tag, Typography } from "antd";
import { useCallback, useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";

import { api, call } from "../../api/client";
import { AssetPreview } from "../../components/reviews/AssetPreview";
import { CommentsThread } from "../../components/reviews/CommentsThread";
import { DecisionPanel } from "../../components/reviews/DecisionPanel";
import { FindingsPanel } from "../../components/reviews/FindingsPanel";
import { HistoryTimeline, useReviewHistory } from "../../components/reviews/HistoryTimeline";
import { SlaTag, StateTag, useReviewLabels } from "../../components/reviews/labels";
import {
  errorCode,
  errorText,
  excusedOf,
  findingsOf,
  formatTime,
  type Finding,
  type ReviewItem,
} from "../../components/reviews/model";
import { SubmitterActions } from "../../components/reviews/SubmitterActions";
import { INDUSTRIES, nameOf, PLATFORMS } from "../../components/reviews/taxonomy";
import { usePeople } from "../../components/reviews/usePeople";
import { useReviewRole } from "../../components/reviews/useReviewRole";
import { useT, type Messages } from "../../i18n";

const messages: Messages<
  | "queue"
  | "notFound"
  | "back"
  | "preview"
  | "findings"
  | "findingsCount"
  | "decision"
  | "comments"
  | "history"
  | "submitter"
  | "submittedAt"
  | "assignee"
  | "sla"
  | "branch"
  | "commit"
  | "note"
  | "platform"
  | "industry"
  | "version"
  | "previous"
  | "newer"
  | "override"
  | "decidedAt"
  | "refresh"
  | "unassigned"
> = {
  zh: {
    queue: "审核队列",
    notFound: "找不到这条审核，可能已被删除或你没有查看权限",
    back: "返回审核队列",
    preview: "素材预览",
    findings: "AI 检测结果",
    findingsCount: "{n} 项",
    decision: "审核",
    comments: "评论",
    history: "审核记录",
    submitter: "提交人",
    submittedAt: "提交时间",
    assignee: "处理人",
    sla: "时限",
    branch: "分支",
    commit: "提交",
    note: "备注",
    platform: "投放平台",
    industry: "行业",
    version: "第 {n} 版",
    previous: "上一版",
    newer: "查看新版本",
    override: "豁免理由",
    decidedAt: "结束时间",
    refresh: "刷新",
    unassigned: "待认领",
  },
  en: {
    queue: "Review queue",
    notFound: "This review was not found, or you may not see it",
    back: "Back to the queue",
    preview: "Preview",
    findings: "AI findings",
    findingsCount: "{n}",
    decision: "Review",
    comments: "Comments",
    history: "History",
    submitter: "Submitted by",
    submittedAt: "Submitted",
    assignee: "Reviewer",
    sla: "SLA",
    branch: "Branch",
    commit: "Commit",
    note: "Note",
    platform: "Platform",
    industry: "Industry",
    version: "v{n}",
    previous: "Previous version",
    newer: "Newer version",
    override: "Override reason",
    decidedAt: "Closed",
    refresh: "Refresh",
    unassigned: "Unclaimed",
  },
};

const POLL_MS = 2000;

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function useReviewItem(itemId: string) {
  const [item, setItem] = useState<ReviewItem | null>(null);
  const [error, setError] = useState<unknown>(null);
  const reload = useCallback(async () => {
    try {
      setItem(await call(api.GET("/v1/reviews/{item_id}", { params: { path: { item_id: itemId } } })));
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  }, [itemId]);
  useEffect(() => {
    setItem(null);
    setError(null);
    void reload();
  }, [reload]);
  const checking = item?.state === "submitted";
  useEffect(() => {
    if (!checking) return undefined;
    const timer = window.setInterval(() => void reload(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [checking, reload]);
  return { item, error, reload, setItem };
}

export default function ReviewDetailPage() {
  const t = useT(messages);
  const labels = useReviewLabels();
  const { itemId = "" } = useParams();
  const navigate = useNavigate();
  const role = useReviewRole();
  const person = usePeople();
  const { item, error, reload, setItem } = useReviewItem(itemId);
  const history = useReviewHistory(item);
  const [active, setActive] = useState<number | null>(null);
  const [anchor, setAnchor] = useState<number | null>(null);
  const [seek, setSeek] = useState<{ at: number; nonce: number } | null>(null);

  const findings = useMemo(() => (item ? findingsOf(item) : []), [item]);
  const outcome = useMemo(
    () =>
      [...(history.steps ?? [])]
        .reverse()
        .find((step) => step.item_id === item?.id && ["approve", "reject", "request_changes", "withdraw"].includes(step.action)),
    [history.steps, item?.id],
  );
  const excused = useMemo(() => (item ? excusedOf(item).map((entry) => entry.finding) : []), [item]);

  const select = useCallback((finding: Finding) => {
    setActive(finding.index);
    if (finding.frame_s !== null) setSeek({ at: finding.frame_s, nonce: Date.now() });
  }, []);
  const selectIndex = useCallback(
    (index: number) => {
      const finding = findings.find((candidate) => candidate.index === index);
      if (finding) select(finding);
      document
        .querySelector(`[data-testid="review-finding"][data-index="${index}"]`)
        ?.scrollIntoView({ block: "nearest", behavior: "smooth" });
    },
    [findings, select],
  );
  const commentOn = useCallback((index: number) => {
    setAnchor(index);
    document.querySelector<HTMLTextAreaElement>('[data-testid="review-comment-input"]')?.focus();
  }, []);

  if (error && !item) {
    const missing = errorCode(error) === "not_found" || (error as { status?: number }).status === 404;
    return (
      <Space orientation="vertical" size={16} style={{ width: "100%" }}>
        <Alert type="error" showIcon title={missing ? t("notFound") : errorText(error)} role="alert" />
        <Link to="/reviews">
          <Button icon={<ArrowLeftOutlined />}>{t("back")}</Button>
        </Link>
      </Space>
    );
  }
  if (!item) return <Skeleton active paragraph={{ rows: 8 }} />;

  const platform = nameOf(PLATFORMS, item.platform, labels.lang);
  const industry = nameOf(INDUSTRIES, item.industry, labels.lang);
  const details = [
    { key: "submitter", label: t("submitter"), children: person(item.submitter_user_id ?? item.submitted_by) },
    { key: "submittedAt", label: t("submittedAt"), children: formatTime(item.created_at, labels.lang) },
    {
      key: "assignee",
      label: t("assignee"),
      children: item.assignee_id ? person(item.assignee_id) : item.pending_level ? t("unassigned") : "—",
    },
    item.pending_level
      ? { key: "sla", label: t("sla"), children: <SlaTag item={item} /> }
      : { key: "decidedAt", label: t("decidedAt"), children: formatTime(item.decided_at, labels.lang) },
    { key: "branch", label: t("branch"), children: item.branch },
    { key: "commit", label: t("commit"), children: <Typography.Text code>{item.commit_id.slice(0, 10)}</Typography.Text> },
    ...(platform ? [{ key: "platform", label: t("platform"), children: platform }] : []),
    ...(industry ? [{ key: "industry", label: t("industry"), children: industry }] : []),
    ...(item.note ? [{ key: "note", label: t("note"), children: item.note, span: 2 }] : []),
    ...(item.override_reason ? [{ key: "override", label: t("override"), children: item.override_reason, span: 2 }] : []),
  ];

  return (
    <div data-testid="review-detail" data-item-id={item.id} data-state={item.state}>
      <Breadcrumb
        style={{ marginBottom: 8 }}
        items={[{ title: <Link to="/reviews">{t("queue")}</Link> }, { title: item.path }]}
      />
      {error !== null && (
        <Alert type="warning" showIcon closable title={errorText(error)} role="alert" style={{ marginBottom: 12 }} />
      )}
      <Card size="small" style={{ marginBottom: 16 }}>
        <Flex justify="space-between" align="flex-start" gap={12} wrap>
          <div style={{ minWidth: 0 }}>
            <Typography.Title level={4} style={{ margin: "0 0 6px", wordBreak: "break-all" }} copyable={{ text: item.path }}>
              {item.path}
            </Typography.Title>
            <Space size={4} wrap>
              <StateTag item={item} />
              <Tag variant="filled">{item.asset_kind}</Tag>
              <Tag variant="filled">{t("version", { n: item.version_no })}</Tag>
              {item.previous_id && (
                <Link to={`/reviews/${encodeURIComponent(item.previous_id)}`}>
                  <Button size="small" type="link" icon={<ArrowLeftOutlined />}>
                    {t("previous")}
                  </Button>
                </Link>
              )}
              {item.superseded_by && (
                <Link to={`/reviews/${encodeURIComponent(item.superseded_by)}`}>
                  <Button size="small" type="link" icon={<ArrowRightOutlined />} iconPlacement="end">
                    {t("newer")}
                  </Button>
                </Link>
              )}
            </Space>
          </div>
          <Space wrap>
            <SubmitterActions
              item={item}
              role={role}
              onUpdated={setItem}
              onResubmitted={(created) => navigate(`/reviews/${encodeURIComponent(created.id)}`)}
            />
            <Button icon={<ReloadOutlined />} aria-label={t("refresh")} onClick={() => void reload()} />
          </Space>
        </Flex>
        <Descriptions size="small" style={{ marginTop: 12 }} column={{ xs: 1, sm: 2, lg: 3, xl: 4 }} items={details} />
      </Card>

      <Row gutter={[16, 16]}>
        <Col xs={24} lg={14}>
          <Space orientation="vertical" size={16} style={{ width: "100%" }}>
            <Card size="small" title={t("preview")}>
              <AssetPreview item={item} findings={findings} active={active} onSelect={selectIndex} seek={seek} />
            </Card>
            <Card
              size="small"
              title={
                <Space>
                  {t("findings")}
                  {findings.length > 0 && <Tag>{t("findingsCount", { n: findings.length })}</Tag>}
                </Space>
              }
            >
              <FindingsPanel
                item={item}
                findings={findings}
                excused={excused}
                active={active}
                onSelect={select}
                canMarkFalseAlarm={role.level === "brand" && (item.state === "ai_checked" || item.state === "agency_approved")}
                onChanged={() => void reload()}
                onComment={commentOn}
              />
            </Card>
          </Space>
        </Col>
        <Col xs={24} lg={10}>
          <Space orientation="vertical" size={16} style={{ width: "100%" }}>
            <Card
              size="small"
              title={item.pending_level && item.pending_level !== "ai" ? capitalized(labels.level(item.pending_level)) : t("decision")}
            >
              <DecisionPanel
                item={item}
                role={role}
                person={person}
                outcome={outcome}
                onUpdated={setItem}
                onReload={() => void reload()}
              />
            </Card>
            <Card size="small" title={t("comments")}>
              <CommentsThread
                item={item}
                findings={findings}
                anchor={anchor}
                onClearAnchor={() => setAnchor(null)}
                onSelectFinding={selectIndex}
                person={person}
              />
            </Card>
            <Card size="small" title={t("history")}>
              <HistoryTimeline steps={history.steps} error={history.error} person={person} />
            </Card>
          </Space>
        </Col>
      </Row>
    </div>
  );
}
