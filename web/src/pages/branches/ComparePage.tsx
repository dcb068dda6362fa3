// Compare two refs: assets added, modified and deleted going from `base` to `head`, with image previews
// side by side and copy diffed; review state of each new version; merge `head` into `base`.
import { ArrowRightOutlined, MergeOutlined, SwapOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Col, Empty, Flex, Pagination, Row, Segmented, Select, Skeleton, Tag, Tooltip, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";

import { api, call, type Schemas } from "../../api/client";
import { AssetThumb } from "../../components/governance/AssetThumb";
import { errorText, MAIN, shortId } from "../../components/governance/format";
import { GATE_EXEMPT_PREFIXES, STATUS_COLORS, useGovLabels } from "../../components/governance/labels";
import { MergeDialog } from "../../components/governance/MergeDialog";
import { usePermissions } from "../../components/governance/perms";
import { reviewFor, useBranchReviews, type ReviewItem } from "../../components/governance/reviews";
import { TextDiff } from "../../components/governance/TextDiff";
import { useFeedback } from "../../feedback";
import { useT, type Messages } from "../../i18n";
import { useBrandId } from "../../session";

type Ref = Schemas["RefPublic"];
type Diff = Schemas["DiffPublic"];
type Preview = Schemas["MergePreview"];
type Change = Schemas["ChangePublic"];
type Filter = "all" | Change["status"];

const PAGE_SIZE = 10;

type Key =
  | "title"
  | "subtitle"
  | "back"
  | "base"
  | "head"
  | "swap"
  | "mergeInto"
  | "needRight"
  | "notBranch"
  | "same"
  | "pickHead"
  | "all"
  | "added"
  | "modified"
  | "deleted"
  | "noChanges"
  | "truncated"
  | "before"
  | "after"
  | "size"
  | "submit"
  | "submitted"
  | "reviewsError"
  | "range"
  | "retry"
  | "branches"
  | "tags"
  | "modeMerge"
  | "modeDiff"
  | "merged"
  | "previewFailed"
  | "conflicts";

const messages: Messages<Key> = {
  zh: {
    title: "对比版本",
    subtitle: "查看从基准到对比版本之间新增、修改和删除的素材，确认无误后合并。",
    back: "返回分支列表",
    base: "基准",
    head: "对比",
    swap: "交换基准与对比",
    mergeInto: "合并到 {base}",
    needRight: "你的角色不能合并到 {base}",
    notBranch: "只能合并到分支",
    same: "两个版本内容相同",
    pickHead: "选择要对比的分支",
    all: "全部",
    added: "新增",
    modified: "修改",
    deleted: "删除",
    noChanges: "两个版本之间没有差异",
    truncated: "变更过多，只显示前 {n} 项",
    before: "基准版本",
    after: "对比版本",
    size: "{kind} · {size}",
    submit: "提交 {n} 项未送审素材",
    submitted: "已提交 {n} 项审核",
    reviewsError: "无法读取审核状态：{error}",
    range: "{base} @ {from} → {head} @ {to}",
    retry: "重试",
    branches: "分支",
    tags: "标签",
    modeMerge: "合并到 {base} 将带来的改动 {n}",
    modeDiff: "两个版本的完整差异 {n}",
    merged: "{base} 已包含这个分支的全部改动",
    previewFailed: "无法预览合并：{error}",
    conflicts: "{n} 项素材在两边都被修改，合并前需要先处理",
  },
  en: {
    title: "Compare",
    subtitle: "See the assets added, modified and deleted from base to head, then merge when it looks right.",
    back: "Back to branches",
    base: "Base",
    head: "Compare",
    swap: "Swap base and compare",
    mergeInto: "Merge into {base}",
    needRight: "Your role cannot merge into {base}",
    notBranch: "Only branches can be merged into",
    same: "Both refs have the same content",
    pickHead: "Choose a branch to compare",
    all: "All",
    added: "Added",
    modified: "Modified",
    deleted: "Deleted",
    noChanges: "No differences between these refs",
    truncated: "Too many changes; showing the first {n}",
    before: "Base version",
    after: "Compared version",
    size: "{kind} · {size}",
    submit: "Submit {n} unsubmitted asset(s) for review",
    submitted: "Submitted {n} item(s) for review",
    reviewsError: "Cannot read review states: {error}",
    range: "{base} @ {from} → {head} @ {to}",
    retry: "Retry",
    branches: "Branches",
    tags: "Tags",
    modeMerge: "What merging into {base} brings {n}",
    modeDiff: "Full difference {n}",
    merged: "{base} already has every change of this branch",
    previewFailed: "Cannot preview the merge: {error}",
    conflicts: "{n} asset(s) changed on both sides; settle them before merging",
  },
};

function bytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

const exempt = (path: string) => GATE_EXEMPT_PREFIXES.some((prefix) => path.startsWith(prefix));

function ReviewTag({ change, reviews }: { change: Change; reviews: Map<string, ReviewItem[]> | null }) {
  const { label, color } = useGovLabels();
  if (!reviews || !change.after) return null;
  if (exempt(change.path)) return <Tag>{label("exempt")}</Tag>;
  const item = reviewFor(reviews, change.path, change.after.blob);
  const state = item?.state ?? "unreviewed";
  const tag = (
    <Tag color={color(state)} data-testid="review-state" data-state={state}>
      {label(state)}
    </Tag>
  );
  return item ? <Link to={`/reviews/${encodeURIComponent(item.id)}`}>{tag}</Link> : tag;
}

interface View {
  changes: Change[];
  from: string;
  to: string;
  truncated: boolean;
}

function ChangeBody({ brandId, change, view }: { brandId: string; change: Change; view: View }) {
  const t = useT(messages);
  const entry = change.after ?? change.before;
  const kind = entry?.kind ?? "";
  const textual = kind === "copy" || (/\.(ya?ml|json|txt|md|csv)$/i.test(change.path) && (entry?.size ?? 0) < 256 * 1024);
  if (textual) {
    return <TextDiff brandId={brandId} path={change.path} before={change.before ? view.from : null} after={change.after ? view.to : null} />;
  }
  if (kind === "image" || kind === "video") {
    return (
      <Flex gap={12} align="center" wrap>
        {change.before && (
          <Flex vertical gap={4} align="center">
            <AssetThumb brandId={brandId} path={change.path} ref={view.from} kind={kind} alt={`${change.path} · ${t("before")}`} />
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t("before")}
            </Typography.Text>
          </Flex>
        )}
        {change.before && change.after && <ArrowRightOutlined aria-hidden style={{ color: "#bfbfbf" }} />}
        {change.after && (
          <Flex vertical gap={4} align="center">
            <AssetThumb brandId={brandId} path={change.path} ref={view.to} kind={kind} alt={`${change.path} · ${t("after")}`} />
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t("after")}
            </Typography.Text>
          </Flex>
        )}
      </Flex>
    );
  }
  return (
    <Typography.Text type="secondary">
      {[change.before, change.after]
        .filter((side): side is NonNullable<typeof side> => side !== null)
        .map((side) => t("size", { kind: side.kind, size: bytes(side.size) }))
        .join(" → ")}
    </Typography.Text>
  );
}

export default function ComparePage() {
  const t = useT(messages);
  const brandId = useBrandId();
  const { message } = useFeedback();
  const { label } = useGovLabels();
  const perms = usePermissions();
  const [params, setParams] = useSearchParams();
  const base = params.get("base") || MAIN;
  const head = params.get("head") || "";
  const [refs, setRefs] = useState<Ref[]>([]);
  const [diff, setDiff] = useState<Diff | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [mode, setMode] = useState<"merge" | "diff">("merge");
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState<Filter>("all");
  const [page, setPage] = useState(1);
  const [merging, setMerging] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    Promise.all([
      call(api.GET("/v1/brands/{brand_id}/branches", { params: { path: { brand_id: brandId } } })),
      call(api.GET("/v1/brands/{brand_id}/tags", { params: { path: { brand_id: brandId } } })),
    ])
      .then(([branches, tags]) => live && setRefs([...branches, ...tags]))
      .catch((caught: unknown) => live && message.error(errorText(caught)));
    return () => {
      live = false;
    };
  }, [brandId, message, tick]);

  useEffect(() => {
    setDiff(null);
    setError(null);
    setPage(1);
    if (!head) return undefined;
    let live = true;
    setLoading(true);
    call(
      api.GET("/v1/brands/{brand_id}/diff", {
        params: { path: { brand_id: brandId }, query: { from: base, to: head, limit: 5000 } },
      }),
    )
      .then((result) => live && setDiff(result))
      .catch((caught: unknown) => live && setError(errorText(caught)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [brandId, base, head, tick]);

  const branchNames = useMemo(() => new Set(refs.filter((ref) => ref.kind === "branch").map((ref) => ref.name)), [refs]);
  const mergeable = branchNames.has(base) && Boolean(head) && head !== base && (perms.canWrite || perms.canPublish);

  useEffect(() => {
    setPreview(null);
    setPreviewError(null);
    if (!mergeable) return undefined;
    let live = true;
    call(api.POST("/v1/brands/{brand_id}/merge-preview", { params: { path: { brand_id: brandId } }, body: { source: head, target: base } }))
      .then((result) => live && setPreview(result))
      .catch((caught: unknown) => live && setPreviewError(errorText(caught)));
    return () => {
      live = false;
    };
  }, [brandId, base, head, mergeable, tick]);
  const headIsBranch = branchNames.has(head) && head !== MAIN;
  const reviews = useBranchReviews(brandId, headIsBranch && base === MAIN ? head : null);
  const showReviews = headIsBranch && base === MAIN;

  const pickRefs = (nextBase: string, nextHead: string) => setParams(new URLSearchParams({ base: nextBase, head: nextHead }), { replace: true });

  const options = useMemo(() => {
    const names = new Set(refs.map((ref) => ref.name));
    const extra = [base, head].filter((name) => name && !names.has(name)).map((name) => ({ value: name, label: name }));
    return [
      { label: t("branches"), options: refs.filter((ref) => ref.kind === "branch").map((ref) => ({ value: ref.name, label: ref.name })) },
      { label: t("tags"), options: [...refs.filter((ref) => ref.kind === "tag").map((ref) => ({ value: ref.name, label: ref.name })), ...extra] },
    ];
  }, [refs, base, head, t]);

  const usable = preview && preview.outcome !== "conflict" ? preview : null;
  const view: View | null =
    mode === "merge" && usable
      ? { changes: usable.changes, from: usable.target_head, to: usable.source_head, truncated: usable.truncated }
      : diff
        ? { changes: diff.changes, from: diff.from_commit, to: diff.to_commit, truncated: diff.truncated }
        : null;
  const changes = view?.changes ?? [];
  const counts = changes.reduce<Record<string, number>>((acc, change) => {
    acc[change.status] = (acc[change.status] ?? 0) + 1;
    return acc;
  }, {});
  const filtered = filter === "all" ? changes : changes.filter((change) => change.status === filter);
  const visible = filtered.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const unsubmitted = showReviews
    ? changes.filter((c) => c.after && !exempt(c.path) && !reviewFor(reviews.items, c.path, c.after.blob)).map((c) => c.path)
    : [];
  const canMerge = branchNames.has(base) && head !== base && Boolean(head);

  const submit = async () => {
    setSubmitting(true);
    try {
      const result = await call(api.POST("/v1/reviews", { body: { brand_id: brandId, branch: head, paths: unsubmitted.slice(0, 500) } }));
      message.success(t("submitted", { n: result.items.length }));
      reviews.reload();
    } catch (caught) {
      message.error(errorText(caught));
    } finally {
      setSubmitting(false);
    }
  };

  const mergeTip = !branchNames.has(base) ? t("notBranch") : !perms.canChange(base) ? t("needRight", { base }) : undefined;

  return (
    <Flex vertical gap={16} style={{ maxWidth: 1400, margin: "0 auto" }}>
      <div>
        <Link to="/branches">← {t("back")}</Link>
        <Typography.Title level={3} style={{ margin: "4px 0 0" }}>
          {t("title")}
        </Typography.Title>
        <Typography.Text type="secondary">{t("subtitle")}</Typography.Text>
      </div>
      <Card>
        <Row gutter={[12, 12]} align="middle">
          <Col xs={24} md={9}>
            <Select
              aria-label={t("base")}
              prefix={`${t("base")}:`}
              value={base}
              showSearch
              style={{ width: "100%" }}
              options={options}
              onChange={(value: string) => pickRefs(value, head)}
              data-testid="compare-base"
            />
          </Col>
          <Col xs={24} md={2} style={{ textAlign: "center" }}>
            <Tooltip title={t("swap")}>
              <Button icon={<SwapOutlined />} aria-label={t("swap")} disabled={!head} onClick={() => pickRefs(head, base)} data-testid="compare-swap" />
            </Tooltip>
          </Col>
          <Col xs={24} md={9}>
            <Select
              aria-label={t("head")}
              prefix={`${t("head")}:`}
              value={head || undefined}
              placeholder={t("pickHead")}
              showSearch
              style={{ width: "100%" }}
              options={options}
              onChange={(value: string) => pickRefs(base, value)}
              data-testid="compare-head"
            />
          </Col>
          <Col xs={24} md={4}>
            <Tooltip title={mergeTip}>
              <Button
                type="primary"
                icon={<MergeOutlined />}
                block
                disabled={!canMerge || Boolean(mergeTip)}
                onClick={() => setMerging(true)}
                data-testid="merge-button"
              >
                {t("mergeInto", { base })}
              </Button>
            </Tooltip>
          </Col>
        </Row>
      </Card>
      {error && (
        <Alert
          type="error"
          showIcon
          title={error}
          action={
            <Button size="small" onClick={() => setTick((n) => n + 1)}>
              {t("retry")}
            </Button>
          }
        />
      )}
      {reviews.error && <Alert type="warning" showIcon title={t("reviewsError", { error: reviews.error })} />}
      {!head && <Empty description={t("pickHead")} />}
      {head && loading && <Skeleton active paragraph={{ rows: 6 }} />}
      {previewError && <Alert type="warning" showIcon title={t("previewFailed", { error: previewError })} />}
      {preview?.outcome === "conflict" && (
        <Alert
          type="error"
          showIcon
          title={t("conflicts", { n: preview.conflict_count })}
          description={preview.conflicts.map((path) => (
            <div key={path}>
              <Typography.Text code>{path}</Typography.Text>
            </div>
          ))}
          data-testid="compare-conflicts"
        />
      )}
      {view && (
        <Flex vertical gap={12} data-testid="compare-diff" data-mode={usable && mode === "merge" ? "merge" : "diff"} data-from={view.from} data-to={view.to}>
          {usable && diff && (
            <Segmented<"merge" | "diff">
              value={mode}
              onChange={(value) => {
                setMode(value);
                setPage(1);
              }}
              options={[
                { value: "merge", label: t("modeMerge", { n: usable.changes.length, base }) },
                { value: "diff", label: t("modeDiff", { n: diff.changes.length }) },
              ]}
              data-testid="compare-mode"
              style={{ alignSelf: "start" }}
            />
          )}
          <Flex justify="space-between" align="center" gap={12} wrap>
            <Segmented<Filter>
              value={filter}
              onChange={(value) => {
                setFilter(value);
                setPage(1);
              }}
              options={(["all", "added", "modified", "deleted"] as const).map((key) => ({
                value: key,
                label: `${t(key)} ${key === "all" ? changes.length : (counts[key] ?? 0)}`,
              }))}
              data-testid="compare-filter"
            />
            <Flex gap={8} align="center" wrap>
              {unsubmitted.length > 0 && perms.canWrite && (
                <Button onClick={() => void submit()} loading={submitting} data-testid="submit-review">
                  {t("submit", { n: unsubmitted.length })}
                </Button>
              )}
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t("range", { base, head, from: shortId(view.from), to: shortId(view.to) })}
              </Typography.Text>
            </Flex>
          </Flex>
          {view.truncated && <Alert type="info" showIcon title={t("truncated", { n: changes.length })} />}
          {changes.length === 0 ? (
            <Card>
              <Empty description={view.from === view.to ? t("same") : usable && mode === "merge" ? t("merged", { base }) : t("noChanges")} />
            </Card>
          ) : (
            <>
              {visible.map((change) => (
                <Card
                  key={change.path}
                  size="small"
                  data-testid="diff-item"
                  data-path={change.path}
                  data-status={change.status}
                  title={
                    <Flex gap={8} align="center" style={{ minWidth: 0 }}>
                      <Tag color={STATUS_COLORS[change.status]}>{label(change.status)}</Tag>
                      <Typography.Text style={{ wordBreak: "break-all", whiteSpace: "normal" }}>{change.path}</Typography.Text>
                    </Flex>
                  }
                  extra={showReviews ? <ReviewTag change={change} reviews={reviews.loading ? null : reviews.items} /> : undefined}
                >
                  <ChangeBody brandId={brandId} change={change} view={view} />
                </Card>
              ))}
              {filtered.length > PAGE_SIZE && (
                <Pagination align="center" current={page} pageSize={PAGE_SIZE} total={filtered.length} showSizeChanger={false} onChange={setPage} />
              )}
            </>
          )}
        </Flex>
      )}
      <MergeDialog
        brandId={brandId}
        source={merging ? head : null}
        target={base}
        onClose={() => setMerging(false)}
        onMerged={() => {
          setTick((n) => n + 1);
          reviews.reload();
        }}
      />
    </Flex>
  );
}
