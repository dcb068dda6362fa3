// The review queue: what waits for me, what I hold, everything, and what was decided; with "submit for review".
import { ReloadOutlined, TrophyOutlined } from "@ant-design/icons";
import { Alert, Badge, Button, Card, Empty, Flex, Input, Select, Space, Switch, Table, Tabs, Tag, Tooltip, Typography, type TableColumnsType } from "antd";
import { useCallback, useEffect, useMemo, useState, type HTMLAttributes } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";

import { api, call, type Schemas } from "../../api/client";
import { FindingsSummary, SlaTag, StateTag } from "../../components/reviews/labels";
import { useFeedback } from "../../feedback";
import {
  ALL_STATES,
  CLOSED_STATES,
  errorCode,
  errorText,
  findingsOf,
  formatTime,
  OPEN_STATES,
  RESUBMITTABLE,
  worstSeverity,
  type ReviewItem,
  type ReviewState,
} from "../../components/reviews/model";
import { ReviewThumb } from "../../components/reviews/ReviewThumb";
import { SubmitReviewForm } from "../../components/reviews/SubmitReviewForm";
import { useReviewLabels } from "../../components/reviews/labels";
import { usePeople } from "../../components/reviews/usePeople";
import { useReviewList, type ReviewQuery } from "../../components/reviews/useReviewList";
import { useReviewRole, type ReviewRole } from "../../components/reviews/useReviewRole";
import { useT, type Messages } from "../../i18n";
import { useBrandId } from "../../session";

type TabKey = "mine" | "claimed" | "all" | "history";

/** How often "my queue" and "claimed by me" look for new arrivals in the background. */
const REFRESH_MS = 15_000;

const messages: Messages<
  | "title"
  | "subtitle"
  | "scorecard"
  | "tabMineAgency"
  | "tabMineBrand"
  | "tabMineSubmitter"
  | "tabClaimed"
  | "tabAll"
  | "tabHistory"
  | "branch"
  | "allBranches"
  | "pathPrefix"
  | "states"
  | "overdueOnly"
  | "refresh"
  | "colPreview"
  | "colAsset"
  | "colState"
  | "colAi"
  | "colSubmitted"
  | "colAssignee"
  | "colSla"
  | "colActions"
  | "claim"
  | "start"
  | "takeOver"
  | "heldBy"
  | "open"
  | "claimed"
  | "loadMore"
  | "emptyMine"
  | "emptyClaimed"
  | "emptyHistory"
  | "emptyAll"
  | "version"
  | "unassigned"
> = {
  zh: {
    title: "审核队列",
    subtitle: "AI 初检 → 代理商审核 → 品牌终审，每一步都有记录可查",
    scorecard: "代理商评分",
    tabMineAgency: "待我审核",
    tabMineBrand: "待我终审",
    tabMineSubmitter: "待我修改",
    tabClaimed: "我认领的",
    tabAll: "全部",
    tabHistory: "已结束",
    branch: "分支",
    allBranches: "全部分支",
    pathPrefix: "按路径前缀筛选",
    states: "状态",
    overdueOnly: "只看超时",
    refresh: "刷新",
    colPreview: "预览",
    colAsset: "素材",
    colState: "状态",
    colAi: "AI 检测",
    colSubmitted: "提交",
    colAssignee: "处理人",
    colSla: "时限",
    colActions: "操作",
    claim: "认领",
    start: "开始审核",
    takeOver: "接手",
    heldBy: "{name} 正在处理；超时后可接手",
    open: "查看",
    claimed: "已认领，开始审核吧",
    loadMore: "加载更多",
    emptyMine: "队列已清空，暂时没有等你审核的素材",
    emptyClaimed: "你手上没有在审的素材",
    emptyHistory: "还没有已结束的审核",
    emptyAll: "还没有提交审核的素材",
    version: "第 {n} 版",
    unassigned: "待认领",
  },
  en: {
    title: "Review queue",
    subtitle: "AI check → agency review → brand sign-off, every step on the record",
    scorecard: "Agency scorecard",
    tabMineAgency: "Waiting for me",
    tabMineBrand: "Waiting for my sign-off",
    tabMineSubmitter: "To revise",
    tabClaimed: "Claimed by me",
    tabAll: "All",
    tabHistory: "Decided",
    branch: "Branch",
    allBranches: "All branches",
    pathPrefix: "Filter by path prefix",
    states: "States",
    overdueOnly: "Overdue only",
    refresh: "Refresh",
    colPreview: "Preview",
    colAsset: "Asset",
    colState: "State",
    colAi: "AI check",
    colSubmitted: "Submitted",
    colAssignee: "Reviewer",
    colSla: "SLA",
    colActions: "Actions",
    claim: "Claim",
    start: "Review",
    takeOver: "Take over",
    heldBy: "{name} has it; you can take over once it is overdue",
    open: "Open",
    claimed: "Claimed: over to you",
    loadMore: "Load more",
    emptyMine: "All clear: nothing waits for you",
    emptyClaimed: "You hold no items under review",
    emptyHistory: "No decided reviews yet",
    emptyAll: "Nothing has been submitted for review yet",
    version: "v{n}",
    unassigned: "Unclaimed",
  },
};

function queryFor(tab: TabKey, role: ReviewRole, brandId: string): ReviewQuery {
  if (tab === "mine") {
    return role.level
      ? { brand_id: brandId, level: role.level }
      : { brand_id: brandId, state: [...RESUBMITTABLE].filter((s) => s !== "withdrawn") };
  }
  if (tab === "claimed") return { brand_id: brandId, assignee: "me", state: [...OPEN_STATES] };
  if (tab === "history") {
    const states: ReviewState[] = [...CLOSED_STATES];
    if (role.level === "agency") states.push("agency_approved");
    return { brand_id: brandId, state: states };
  }
  return { brand_id: brandId };
}

function ClaimButton({
  item,
  role,
  busy,
  onClaim,
  holderName,
}: {
  item: ReviewItem;
  role: ReviewRole;
  busy: boolean;
  onClaim: (item: ReviewItem) => void;
  holderName: string;
}) {
  const t = useT(messages);
  if (!role.canDecide(item)) return null;
  const mine = item.assignee_id !== null && item.assignee_id === role.userId;
  const held = item.assignee_id !== null && !mine;
  const blocked = held && !item.overdue;
  const button = (
    <Button
      size="small"
      type={mine ? "primary" : "default"}
      data-testid="review-claim"
      loading={busy}
      disabled={blocked}
      onClick={(event) => {
        event.stopPropagation();
        onClaim(item);
      }}
    >
      {mine ? t("start") : held ? t("takeOver") : t("claim")}
    </Button>
  );
  return blocked ? <Tooltip title={t("heldBy", { name: holderName })}>{button}</Tooltip> : button;
}

export default function ReviewQueuePage() {
  const t = useT(messages);
  const labels = useReviewLabels();
  const brandId = useBrandId();
  const role = useReviewRole();
  const person = usePeople();
  const navigate = useNavigate();
  const { message } = useFeedback();
  const [params, setParams] = useSearchParams();
  const defaultTab: TabKey = role.level ? "mine" : "all";
  const tabParam = params.get("tab") as TabKey | null;
  const tab: TabKey =
    tabParam && ["mine", "claimed", "all", "history"].includes(tabParam) && (tabParam !== "claimed" || role.level)
      ? tabParam
      : defaultTab;
  const [branch, setBranch] = useState<string | undefined>(undefined);
  const [pathPrefix, setPathPrefix] = useState("");
  const [states, setStates] = useState<ReviewState[]>([]);
  const [overdue, setOverdue] = useState(false);
  const [branches, setBranches] = useState<Schemas["RefPublic"][]>([]);
  const [claiming, setClaiming] = useState<string | null>(null);

  const query = useMemo<ReviewQuery>(() => {
    const base = queryFor(tab, role, brandId);
    return {
      ...base,
      state: tab === "all" && states.length ? states : base.state,
      branch: branch || undefined,
      path_prefix: pathPrefix.trim() || undefined,
      overdue: overdue || undefined,
    };
  }, [tab, role, brandId, states, branch, pathPrefix, overdue]);
  const list = useReviewList(query);
  const shown = useMemo(
    () => (tab === "mine" && role.level ? list.items.filter((item) => !role.isMine(item)) : list.items),
    [list.items, tab, role],
  );

  const { refresh } = list;
  useEffect(() => {
    if (tab !== "mine" && tab !== "claimed") return undefined;
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") void refresh();
    }, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [tab, refresh]);

  useEffect(() => {
    call(api.GET("/v1/brands/{brand_id}/branches", { params: { path: { brand_id: brandId } } }))
      .then(setBranches)
      .catch((error: unknown) => void message.error(errorText(error)));
  }, [brandId, message]);

  const setTab = useCallback(
    (next: string) => {
      setParams(
        (current) => {
          const updated = new URLSearchParams(current);
          updated.set("tab", next);
          return updated;
        },
        { replace: true },
      );
    },
    [setParams],
  );

  const claim = useCallback(
    async (item: ReviewItem) => {
      setClaiming(item.id);
      try {
        const updated = await call(
          api.POST("/v1/reviews/{item_id}/claim", {
            params: { path: { item_id: item.id } },
            body: { expected_revision: item.revision },
          }),
        );
        list.replace(updated);
        if (item.assignee_id !== role.userId) void message.success(t("claimed"));
        navigate(`/reviews/${encodeURIComponent(item.id)}`);
      } catch (error) {
        void message.error(errorText(error));
        if (errorCode(error) === "stale_revision" || errorCode(error) === "already_assigned") void list.reload();
      } finally {
        setClaiming(null);
      }
    },
    [list, message, navigate, role.userId, t],
  );

  const submitted = useCallback(() => {
    if (tab === "all") void list.reload();
    else setTab("all");
  }, [tab, list, setTab]);

  const actionsColumn: TableColumnsType<ReviewItem>[number] = {
    key: "actions",
    title: t("colActions"),
    width: 104,
    fixed: "right",
    render: (_, item) => (
      <Space size={4}>
        <ClaimButton
          item={item}
          role={role}
          busy={claiming === item.id}
          onClaim={(target) => void claim(target)}
          holderName={person(item.assignee_id)}
        />
        {!role.canDecide(item) && (
          <Button size="small" type="link" onClick={() => navigate(`/reviews/${encodeURIComponent(item.id)}`)}>
            {t("open")}
          </Button>
        )}
      </Space>
    ),
  };

  const columns: TableColumnsType<ReviewItem> = [
    {
      key: "preview",
      title: t("colPreview"),
      width: 80,
      render: (_, item) => <ReviewThumb item={item} />,
    },
    {
      key: "asset",
      title: t("colAsset"),
      render: (_, item) => (
        <Space orientation="vertical" size={2} style={{ minWidth: 0 }}>
          <Link
            to={`/reviews/${encodeURIComponent(item.id)}`}
            onClick={(event) => event.stopPropagation()}
            style={{ fontWeight: 600, wordBreak: "break-all" }}
          >
            {item.path}
          </Link>
          <Space size={4} wrap>
            <Tag variant="filled">{item.branch}</Tag>
            {item.version_no > 1 && <Tag variant="filled">{t("version", { n: item.version_no })}</Tag>}
            {item.note && (
              <Typography.Text type="secondary" ellipsis style={{ maxWidth: 220 }}>
                {item.note}
              </Typography.Text>
            )}
          </Space>
        </Space>
      ),
    },
    {
      key: "state",
      title: `${t("colState")} · ${t("colAi")}`,
      width: 170,
      render: (_, item) => {
        const findings = findingsOf(item);
        return (
          <Space orientation="vertical" size={4}>
            <StateTag item={item} />
            <FindingsSummary item={item} count={findings.length} worst={worstSeverity(findings)} />
          </Space>
        );
      },
    },
    {
      key: "submitted",
      title: t("colSubmitted"),
      width: 124,
      responsive: ["lg"],
      sorter: (a, b) => a.created_at.localeCompare(b.created_at),
      defaultSortOrder: tab === "history" ? "descend" : undefined,
      render: (_, item) => (
        <Space orientation="vertical" size={0} style={{ maxWidth: 108 }}>
          <Typography.Text ellipsis={{ tooltip: true }} style={{ maxWidth: 108 }}>
            {person(item.submitter_user_id ?? item.submitted_by)}
          </Typography.Text>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {formatTime(item.created_at, labels.lang)}
          </Typography.Text>
        </Space>
      ),
    },
    {
      key: "assignee",
      title: t("colAssignee"),
      width: 110,
      responsive: ["xl"],
      ellipsis: { showTitle: true },
      render: (_, item) =>
        item.assignee_id ? (
          person(item.assignee_id)
        ) : item.pending_level && item.pending_level !== "ai" ? (
          <Typography.Text type="secondary">{t("unassigned")}</Typography.Text>
        ) : (
          "—"
        ),
    },
    {
      key: "sla",
      title: t("colSla"),
      width: 124,
      sorter: (a, b) => (a.due_at ?? "9").localeCompare(b.due_at ?? "9"),
      render: (_, item) => <SlaTag item={item} />,
    },
    ...(role.level ? [actionsColumn] : []),
  ];
  const mineLabel = role.level === "agency" ? t("tabMineAgency") : role.level === "brand" ? t("tabMineBrand") : t("tabMineSubmitter");
  const tabs = [
    {
      key: "mine",
      label: (
        <Space size={6}>
          {mineLabel}
          {tab === "mine" && !list.loading && shown.length > 0 && (
            <Badge count={shown.length} overflowCount={49} color="#c2410c" />
          )}
        </Space>
      ),
    },
    ...(role.level ? [{ key: "claimed", label: t("tabClaimed") }] : []),
    { key: "all", label: t("tabAll") },
    { key: "history", label: t("tabHistory") },
  ];
  const empty = { mine: t("emptyMine"), claimed: t("emptyClaimed"), all: t("emptyAll"), history: t("emptyHistory") }[tab];
  const initialPaths = useMemo(() => params.getAll("path"), [params]);

  return (
    <div>
      <Flex justify="space-between" align="flex-start" wrap gap={8} style={{ marginBottom: 16 }}>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t("title")}
          </Typography.Title>
          <Typography.Text type="secondary">{t("subtitle")}</Typography.Text>
        </div>
        <Link to="/scorecard">
          <Button icon={<TrophyOutlined />}>{t("scorecard")}</Button>
        </Link>
      </Flex>

      {role.canSubmit && (
        <SubmitReviewForm
          initialBranch={params.get("branch")}
          initialPaths={initialPaths}
          regionIds={role.regionIds}
          onSubmitted={submitted}
        />
      )}

      <Card size="small" styles={{ body: { paddingTop: 0 } }}>
        <Tabs activeKey={tab} onChange={setTab} items={tabs} />
        <Flex wrap gap={8} style={{ marginBottom: 12 }} align="center">
          <Select
            aria-label={t("branch")}
            placeholder={t("allBranches")}
            allowClear
            showSearch
            style={{ width: 200 }}
            value={branch}
            onChange={(value?: string) => setBranch(value)}
            options={branches.map((ref) => ({ value: ref.name, label: ref.name }))}
          />
          <Input.Search
            aria-label={t("pathPrefix")}
            placeholder={t("pathPrefix")}
            allowClear
            style={{ width: 220 }}
            onSearch={(value) => setPathPrefix(value)}
          />
          {tab === "all" && (
            <Select
              mode="multiple"
              aria-label={t("states")}
              placeholder={t("states")}
              allowClear
              maxTagCount="responsive"
              style={{ minWidth: 200, maxWidth: 320 }}
              value={states}
              onChange={setStates}
              options={ALL_STATES.map((state) => ({ value: state, label: labels.state(state) }))}
            />
          )}
          {tab !== "history" && (
            <Space size={6}>
              <Switch size="small" checked={overdue} onChange={setOverdue} aria-label={t("overdueOnly")} id="review-overdue-only" />
              <label htmlFor="review-overdue-only">{t("overdueOnly")}</label>
            </Space>
          )}
          <Button icon={<ReloadOutlined />} onClick={() => void list.reload()} aria-label={t("refresh")}>
            {t("refresh")}
          </Button>
        </Flex>
        {list.error !== null && (
          <Alert type="error" showIcon title={errorText(list.error)} style={{ marginBottom: 12 }} role="alert" />
        )}
        <Table<ReviewItem>
          data-testid="review-queue"
          rowKey="id"
          size="middle"
          columns={columns}
          dataSource={shown}
          loading={list.loading}
          pagination={false}
          scroll={{ x: 640 }}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={empty} /> }}
          onRow={(item) =>
            ({
              "data-testid": "review-row",
              "data-item-id": item.id,
              "data-path": item.path,
              "data-state": item.state,
              onClick: () => navigate(`/reviews/${encodeURIComponent(item.id)}`),
              style: { cursor: "pointer" },
            }) as HTMLAttributes<HTMLElement>
          }
        />
        {list.hasMore && (
          <Flex justify="center" style={{ marginTop: 12 }}>
            <Button onClick={() => void list.loadMore()} loading={list.loadingMore}>
              {t("loadMore")}
            </Button>
          </Flex>
        )}
      </Card>
    </div>
  );
}
