// Branches: every branch with its latest commit; create, compare, merge to main (through the review gate),
// delete; and the history of the chosen branch, where any commit can be reverted.
import { BranchesOutlined, DeleteOutlined, DiffOutlined, EllipsisOutlined, HistoryOutlined, MergeOutlined, PlusOutlined, SearchOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Col, Dropdown, Empty, Flex, Input, Row, Select, Table, Tag, Tooltip, Typography } from "antd";
import type { ColumnsType } from "antd/es/table";
import { useCallback, useEffect, useMemo, useState, type HTMLAttributes } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";

import { api, call, type Schemas } from "../../api/client";
import { CommitHistory } from "../../components/governance/CommitHistory";
import { CreateBranchDialog } from "../../components/governance/CreateBranchDialog";
import { errorText, firstLine, MAIN, shortId, useTimes } from "../../components/governance/format";
import { MergeDialog } from "../../components/governance/MergeDialog";
import { usePeople } from "../../components/governance/people";
import { usePermissions } from "../../components/governance/perms";
import { useFeedback } from "../../feedback";
import { useT, type Messages } from "../../i18n";
import { useBrandId } from "../../session";

type BranchHead = Schemas["BranchHead"];

type Key =
  | "title"
  | "subtitle"
  | "create"
  | "all"
  | "filter"
  | "branch"
  | "latest"
  | "actions"
  | "main"
  | "compare"
  | "merge"
  | "history"
  | "delete"
  | "deleteTitle"
  | "deleteBody"
  | "deleteOk"
  | "cancel"
  | "deleted"
  | "historyOf"
  | "chooseBranch"
  | "me"
  | "noBranches"
  | "needPublish"
  | "needWrite"
  | "peopleError"
  | "retry"
  | "sameAsMain"
  | "more";

const messages: Messages<Key> = {
  zh: {
    title: "分支",
    subtitle: "在分支上准备活动素材，审核通过后合并到主干（main）发布。",
    create: "新建分支",
    all: "全部分支",
    filter: "筛选分支",
    branch: "分支",
    latest: "最新提交",
    actions: "操作",
    main: "主干",
    compare: "对比",
    merge: "合并到主干",
    history: "历史",
    delete: "删除",
    deleteTitle: "删除分支 {name}？",
    deleteBody: "只删除分支名，已经合并到主干的内容不受影响。",
    deleteOk: "删除",
    cancel: "取消",
    deleted: "已删除分支 {name}",
    historyOf: "提交历史",
    chooseBranch: "选择分支",
    me: "我",
    noBranches: "没有匹配的分支",
    needPublish: "合并到主干需要发布权限（品牌管理员或品牌审核人）",
    needWrite: "你的角色不能修改分支",
    peopleError: "无法加载成员名称：{error}",
    retry: "重试",
    sameAsMain: "与主干相同",
    more: "更多操作",
  },
  en: {
    title: "Branches",
    subtitle: "Prepare campaign assets on a branch; once approved, merge it into main to publish.",
    create: "New branch",
    all: "All branches",
    filter: "Filter branches",
    branch: "Branch",
    latest: "Latest commit",
    actions: "Actions",
    main: "main",
    compare: "Compare",
    merge: "Merge to main",
    history: "History",
    delete: "Delete",
    deleteTitle: "Delete branch {name}?",
    deleteBody: "Only the branch name goes; whatever was merged into main stays.",
    deleteOk: "Delete",
    cancel: "Cancel",
    deleted: "Branch {name} deleted",
    historyOf: "History",
    chooseBranch: "Choose a branch",
    me: "me",
    noBranches: "No branch matches",
    needPublish: "Merging into main needs the publish right (brand admin or brand reviewer)",
    needWrite: "Your role cannot change branches",
    peopleError: "Cannot load member names: {error}",
    retry: "Retry",
    sameAsMain: "Same as main",
    more: "More actions",
  },
};

export default function BranchesPage() {
  const t = useT(messages);
  const brandId = useBrandId();
  const navigate = useNavigate();
  const { message, modal } = useFeedback();
  const { when, exact } = useTimes();
  const perms = usePermissions();
  const people = usePeople(t("me"));
  const [params, setParams] = useSearchParams();
  const [heads, setHeads] = useState<BranchHead[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState("");
  const [creating, setCreating] = useState(false);
  const [merging, setMerging] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const selected = params.get("history") ?? MAIN;

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setHeads(await call(api.GET("/v1/brands/{brand_id}/branch-heads", { params: { path: { brand_id: brandId } } })));
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setLoading(false);
    }
  }, [brandId]);

  useEffect(() => {
    void load();
  }, [load]);

  const select = useCallback(
    (name: string) =>
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          if (name === MAIN) next.delete("history");
          else next.set("history", name);
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );

  const remove = async (head: BranchHead) => {
    setDeleting(head.ref.name);
    try {
      await call(
        api.DELETE("/v1/brands/{brand_id}/branches/{name}", {
          params: { path: { brand_id: brandId, name: head.ref.name }, query: { expected_head: head.ref.commit_id } },
        }),
      );
      message.success(t("deleted", { name: head.ref.name }));
      if (selected === head.ref.name) select(MAIN);
      await load();
    } catch (caught) {
      message.error(errorText(caught));
    } finally {
      setDeleting(null);
    }
  };

  const confirmDelete = (head: BranchHead) =>
    modal.confirm({
      title: t("deleteTitle", { name: head.ref.name }),
      content: t("deleteBody"),
      okText: t("deleteOk"),
      cancelText: t("cancel"),
      okButtonProps: { danger: true, "data-testid": "branch-delete-confirm" },
      onOk: () => remove(head),
    });

  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    return needle ? heads.filter((head) => head.ref.name.toLowerCase().includes(needle)) : heads;
  }, [heads, filter]);
  const current = heads.find((head) => head.ref.name === selected);
  const mainHead = heads.find((head) => head.ref.name === MAIN)?.ref.commit_id;

  const columns: ColumnsType<BranchHead> = [
    {
      title: t("branch"),
      key: "branch",
      render: (_, head) => (
        <Flex vertical gap={2} style={{ minWidth: 0 }}>
          <div style={{ lineHeight: 1.8 }}>
            <BranchesOutlined aria-hidden style={{ color: "#8c8c8c", marginInlineEnd: 6 }} />
            <Typography.Text strong style={{ marginInlineEnd: 6 }}>
              {head.ref.name.split("/").map((part, index) => (
                <span key={index}>
                  {index > 0 && (
                    <>
                      /<wbr />
                    </>
                  )}
                  {part}
                </span>
              ))}
            </Typography.Text>
            {head.ref.name === MAIN && <Tag color="orange">{t("main")}</Tag>}
            {head.ref.name !== MAIN && head.ref.commit_id === mainHead && <Tag>{t("sameAsMain")}</Tag>}
          </div>
          <Typography.Text type="secondary" ellipsis={{ tooltip: head.head.message }} style={{ maxWidth: 320 }}>
            {firstLine(head.head.message)}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      title: t("latest"),
      key: "latest",
      width: 150,
      responsive: ["sm"],
      render: (_, head) => (
        <Flex vertical gap={2}>
          <Typography.Text>{people.name(head.head.author_id)}</Typography.Text>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            <Tooltip title={exact(head.head.created_at)}>
              <span>{when(head.head.created_at)}</span>
            </Tooltip>{" "}
            · <Typography.Text code style={{ fontSize: 12 }}>{shortId(head.head.id)}</Typography.Text>
          </Typography.Text>
        </Flex>
      ),
    },
    {
      title: t("actions"),
      key: "actions",
      align: "end",
      width: 200,
      render: (_, head) => {
        const name = head.ref.name;
        if (name === MAIN) {
          return (
            <Button size="small" icon={<HistoryOutlined />} onClick={() => select(name)} data-testid="branch-history">
              {t("history")}
            </Button>
          );
        }
        return (
          <Flex gap={6} justify="end" onClick={(event) => event.stopPropagation()}>
            <Tooltip title={perms.canPublish ? undefined : t("needPublish")}>
              <Button
                size="small"
                type="primary"
                icon={<MergeOutlined />}
                disabled={!perms.canPublish}
                onClick={() => setMerging(name)}
                data-testid="merge-button"
              >
                {t("merge")}
              </Button>
            </Tooltip>
            <Tooltip title={t("compare")}>
              <Button
                size="small"
                icon={<DiffOutlined />}
                onClick={() => navigate(`/branches/compare?${new URLSearchParams({ base: MAIN, head: name })}`)}
                data-testid="branch-compare"
                aria-label={`${t("compare")} ${name}`}
              />
            </Tooltip>
            <Dropdown
              trigger={["click"]}
              menu={{
                items: [
                  { key: "history", icon: <HistoryOutlined />, label: t("history") },
                  { type: "divider" },
                  { key: "delete", icon: <DeleteOutlined />, label: t("delete"), danger: true, disabled: !perms.canWrite },
                ],
                onClick: ({ key }) => (key === "history" ? select(name) : confirmDelete(head)),
              }}
            >
              <Button size="small" icon={<EllipsisOutlined />} aria-label={`${t("more")} ${name}`} loading={deleting === name} data-testid="branch-more" />
            </Dropdown>
          </Flex>
        );
      },
    },
  ];

  return (
    <Flex vertical gap={16} style={{ maxWidth: 1400, margin: "0 auto" }}>
      <Flex justify="space-between" align="start" gap={12} wrap>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t("title")}
          </Typography.Title>
          <Typography.Text type="secondary">{t("subtitle")}</Typography.Text>
        </div>
        <Tooltip title={perms.canWrite ? undefined : t("needWrite")}>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} disabled={!perms.canWrite} data-testid="branch-create">
            {t("create")}
          </Button>
        </Tooltip>
      </Flex>
      {error && (
        <Alert
          type="error"
          showIcon
          title={error}
          action={
            <Button size="small" onClick={() => void load()}>
              {t("retry")}
            </Button>
          }
        />
      )}
      {people.error && <Alert type="warning" showIcon closable title={t("peopleError", { error: people.error })} />}
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={14}>
          <Card
            title={`${t("all")} · ${heads.length}`}
            extra={
              <Input
                allowClear
                prefix={<SearchOutlined aria-hidden style={{ color: "#bfbfbf" }} />}
                aria-label={t("filter")}
                placeholder={t("filter")}
                value={filter}
                onChange={(event) => setFilter(event.target.value)}
                style={{ width: 180 }}
                data-testid="branch-filter"
              />
            }
            styles={{ body: { padding: 0 } }}
          >
            <Table<BranchHead>
              data-testid="branch-list"
              rowKey={(head) => head.ref.name}
              columns={columns}
              dataSource={shown}
              loading={loading}
              pagination={shown.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
              scroll={{ x: 560 }}
              locale={{ emptyText: <Empty description={t("noBranches")} /> }}
              onRow={(head) =>
                ({
                  "data-testid": "branch-row",
                  "data-branch": head.ref.name,
                  onClick: () => select(head.ref.name),
                  style: { cursor: "pointer", background: head.ref.name === selected ? "#fff7ed" : undefined },
                }) as HTMLAttributes<HTMLElement>
              }
            />
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Card
            title={
              <Flex gap={8} align="center">
                <HistoryOutlined aria-hidden />
                {t("historyOf")}
              </Flex>
            }
            extra={
              <Select
                aria-label={t("chooseBranch")}
                value={selected}
                onChange={select}
                showSearch
                style={{ width: 200 }}
                options={heads.map((head) => ({ value: head.ref.name, label: head.ref.name }))}
                data-testid="history-branch"
              />
            }
          >
            {current ? (
              <CommitHistory
                key={selected}
                brandId={brandId}
                branch={selected}
                head={current.ref.commit_id}
                canChange={perms.canChange(selected)}
                name={people.name}
                onChanged={() => void load()}
              />
            ) : loading ? null : (
              <Empty description={<Link to="/branches">{t("chooseBranch")}</Link>} />
            )}
          </Card>
        </Col>
      </Row>
      <CreateBranchDialog
        brandId={brandId}
        open={creating}
        refs={heads.map((head) => head.ref)}
        onClose={() => setCreating(false)}
        onCreated={(ref) => {
          setCreating(false);
          select(ref.name);
          void load();
        }}
      />
      <MergeDialog brandId={brandId} source={merging} target={MAIN} onClose={() => setMerging(null)} onMerged={() => void load()} />
    </Flex>
  );
}
