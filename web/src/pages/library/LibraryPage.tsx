// The library: search the brand's assets by words (zh/en) or by a picture, narrow with filters, upload
// by drag and drop (with a duplicates check) and edit tags, on any branch.
import { BranchesOutlined, CameraOutlined, CloseOutlined, SearchOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Col, Empty, Flex, Grid, Input, Row, Select, Skeleton, Space, Tag, Typography, Upload } from "antd";
import { useCallback, useEffect, useMemo, useState, type DragEvent } from "react";
import { Link, useSearchParams } from "react-router";

import { api, call } from "../../api/client";
import { AssetCard, type Hit } from "../../components/library/AssetCard";
import { Filters, filtersFromParams, filtersToParams, hasFilters } from "../../components/library/Filters";
import { imageQuery } from "../../components/library/imageQuery";
import { IndexBanner } from "../../components/library/IndexBanner";
import { assetHref, baseName, errorText } from "../../components/library/labels";
import { UploadPanel, type Committed } from "../../components/library/UploadPanel";
import { useFacets } from "../../components/library/useFacets";
import { useResults } from "../../components/library/useResults";
import { useFeedback } from "../../feedback";
import { useT, type Messages } from "../../i18n";
import { useBrandId } from "../../session";

const messages: Messages<
  | "title"
  | "subtitle"
  | "branch"
  | "search"
  | "searchPlaceholder"
  | "searchButton"
  | "byImage"
  | "byImageHint"
  | "imageQuery"
  | "likeQuery"
  | "clearQuery"
  | "resultsSearch"
  | "resultsBrowse"
  | "loadMore"
  | "emptySearch"
  | "emptyBrowse"
  | "emptyFiltered"
  | "justCommitted"
  | "justCommittedHint"
  | "justCommittedIndexed"
  | "branchesError"
  | "notImage"
> = {
  zh: {
    title: "素材库",
    subtitle: "用中文或英文描述来找素材，也可以拖入一张图片找相似的；上传前会自动查重。",
    branch: "分支",
    search: "搜索素材",
    searchPlaceholder: "描述你要找的素材，如「秋季咖啡海报」或 red lipstick",
    searchButton: "搜索",
    byImage: "以图搜图",
    byImageHint: "也可以把图片直接拖到搜索框上",
    imageQuery: "以图搜图：{name}",
    likeQuery: "与「{name}」相似",
    clearQuery: "清除",
    resultsSearch: "找到 {n} 个相关素材{more} · 用时 {ms} 毫秒",
    resultsBrowse: "分支「{branch}」的素材，最近更新的在前 · 已显示 {n} 个{more}",
    loadMore: "加载更多",
    emptySearch: "没有找到匹配的素材。换个说法，或减少筛选条件试试。",
    emptyBrowse: "这个分支还没有可搜索的素材。把文件拖到上方即可上传。",
    emptyFiltered: "没有符合筛选条件的素材。",
    justCommitted: "刚刚提交到「{branch}」的素材",
    justCommittedHint: "索引完成后即可在搜索和列表中看到它们；现在就可以打开详情。",
    justCommittedIndexed: "索引已完成，它们已经可以被搜索到了。",
    branchesError: "无法读取分支列表：{error}",
    notImage: "以图搜图只支持图片文件",
  },
  en: {
    title: "Library",
    subtitle: "Find assets by describing them in Chinese or English, or drop a picture to find similar ones; uploads are checked for duplicates.",
    branch: "Branch",
    search: "Search assets",
    searchPlaceholder: "Describe what you need, e.g. “autumn coffee poster” or 红色口红",
    searchButton: "Search",
    byImage: "Search by image",
    byImageHint: "You can also drop a picture on the search box",
    imageQuery: "Like this picture: {name}",
    likeQuery: "Like “{name}”",
    clearQuery: "Clear",
    resultsSearch: "{n} matching assets{more} · {ms} ms",
    resultsBrowse: "Assets on “{branch}”, most recently updated first · {n} shown{more}",
    loadMore: "Load more",
    emptySearch: "Nothing matches. Try other words or fewer filters.",
    emptyBrowse: "No searchable assets on this branch yet. Drop files above to upload.",
    emptyFiltered: "No assets match these filters.",
    justCommitted: "Just committed to “{branch}”",
    justCommittedHint: "They show up in search and in the list once indexed; their details open now.",
    justCommittedIndexed: "Indexed: they can be found by search now.",
    branchesError: "Cannot list branches: {error}",
    notImage: "Search by image takes image files only",
  },
};

export default function LibraryPage() {
  const t = useT(messages);
  const brandId = useBrandId();
  const { message } = useFeedback();
  const screens = Grid.useBreakpoint();
  const [params, setParams] = useSearchParams();
  const branch = params.get("branch") || "main";
  const text = params.get("q") ?? "";
  const like = params.get("like");
  const filters = useMemo(() => filtersFromParams(params), [params]);
  const [draft, setDraft] = useState(text);
  const [image, setImage] = useState<{ name: string; data: string } | null>(null);
  const [branches, setBranches] = useState<string[]>(["main"]);
  const [branchesError, setBranchesError] = useState<unknown>(null);
  const [nudge, setNudge] = useState(0);
  const [recent, setRecent] = useState<Committed | null>(null);
  const [recentIndexed, setRecentIndexed] = useState(false);
  const { facets, tagLabel, refresh: refreshFacets } = useFacets(brandId, branch);
  const results = useResults({ brandId, branch, text, like, image: image?.data ?? null, filters });

  useEffect(() => setDraft(text), [text]);

  const loadBranches = useCallback(() => {
    call(api.GET("/v1/brands/{brand_id}/branches", { params: { path: { brand_id: brandId } } }))
      .then((refs) => {
        setBranches(refs.map((ref) => ref.name));
        setBranchesError(null);
      })
      .catch(setBranchesError);
  }, [brandId]);
  useEffect(loadBranches, [loadBranches]);

  const patch = useCallback(
    (change: (next: URLSearchParams) => void) =>
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          change(next);
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );

  function submit(value: string) {
    patch((next) => {
      if (value.trim()) next.set("q", value.trim());
      else next.delete("q");
    });
    if (value.trim() === text) results.reload();
  }

  async function searchByImage(file: File) {
    if (!file.type.startsWith("image/")) {
      message.warning(t("notImage"));
      return;
    }
    try {
      const data = await imageQuery(file);
      patch((next) => next.delete("like"));
      setImage({ name: file.name, data });
    } catch (error) {
      message.error(errorText(error));
    }
  }

  function onDrop(event: DragEvent<HTMLDivElement>) {
    const file = event.dataTransfer.files[0];
    if (!file) return;
    event.preventDefault();
    void searchByImage(file);
  }

  function moreLikeThis(hit: Hit) {
    setImage(null);
    patch((next) => {
      next.set("like", hit.path);
      next.set("branch", hit.branch);
      next.delete("q");
    });
    window.scrollTo({ top: 0, behavior: "smooth" });
  }

  function clearQuery() {
    setImage(null);
    setDraft("");
    patch((next) => {
      next.delete("q");
      next.delete("like");
    });
  }

  function committed(result: Committed) {
    setRecent(result);
    setRecentIndexed(false);
    loadBranches();
    refreshFacets();
    if (result.branch !== branch) patch((next) => next.set("branch", result.branch));
    setNudge((value) => value + 1);
    results.reload();
  }

  const defaultUploadBranch =
    branch !== "main" ? branch : (branches.find((name) => name !== "main") ?? "uploads");
  const querying = Boolean(text || like || image);
  const more = results.nextCursor ? "+" : "";

  return (
    <Flex vertical gap={16} style={{ maxWidth: 1440, margin: "0 auto" }}>
      <Flex justify="space-between" align="flex-end" wrap gap={12}>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t("title")}
          </Typography.Title>
          <Typography.Text type="secondary">{t("subtitle")}</Typography.Text>
        </div>
        <Space>
          <BranchesOutlined aria-hidden />
          <Select
            aria-label={t("branch")}
            data-testid="library-branch"
            value={branch}
            onChange={(value: string) => patch((next) => next.set("branch", value))}
            options={branches.map((name) => ({ value: name, label: name }))}
            style={{ minWidth: 180 }}
            showSearch
          />
        </Space>
      </Flex>
      {branchesError ? <Alert type="error" showIcon title={t("branchesError", { error: errorText(branchesError) })} /> : null}

      <Card variant="outlined" styles={{ body: { padding: 16 } }}>
        <Flex vertical gap={12}>
          <div onDragOver={(event) => event.dataTransfer.types.includes("Files") && event.preventDefault()} onDrop={onDrop}>
            <Space.Compact style={{ width: "100%" }}>
              <Input
                size="large"
                allowClear
                prefix={<SearchOutlined />}
                aria-label={t("search")}
                data-testid="library-search"
                placeholder={t("searchPlaceholder")}
                value={draft}
                onChange={(event) => setDraft(event.target.value)}
                onPressEnter={() => submit(draft)}
              />
              <Upload
                accept="image/*"
                showUploadList={false}
                beforeUpload={(file) => {
                  void searchByImage(file);
                  return Upload.LIST_IGNORE;
                }}
              >
                <Button size="large" icon={<CameraOutlined />} data-testid="library-image-search" aria-label={t("byImage")} title={t("byImageHint")}>
                  {screens.md ? t("byImage") : null}
                </Button>
              </Upload>
              <Button size="large" type="primary" data-testid="library-search-submit" onClick={() => submit(draft)}>
                {t("searchButton")}
              </Button>
            </Space.Compact>
          </div>
          {image || like ? (
            <Flex gap={8} align="center" wrap data-testid="library-image-query">
              {image ? <img src={image.data} alt="" style={{ width: 40, height: 40, objectFit: "cover", borderRadius: 6 }} /> : null}
              <Tag color="orange" style={{ fontSize: 13, padding: "2px 8px" }}>
                {image ? t("imageQuery", { name: image.name }) : t("likeQuery", { name: baseName(like ?? "") })}
              </Tag>
              <Button size="small" type="text" icon={<CloseOutlined />} onClick={clearQuery}>
                {t("clearQuery")}
              </Button>
            </Flex>
          ) : null}
          <Filters
            value={filters}
            onChange={(next) => patch((params) => filtersToParams(params, next))}
            facets={facets}
            tagLabel={tagLabel}
            searching={querying}
          />
        </Flex>
      </Card>

      <UploadPanel
        brandId={brandId}
        branches={branches}
        defaultBranch={defaultUploadBranch}
        facets={facets}
        tagLabel={tagLabel}
        onCommitted={committed}
      />

      <IndexBanner
        brandId={brandId}
        branch={branch}
        nudge={nudge}
        onCaughtUp={() => {
          setRecentIndexed(true);
          results.reload();
        }}
      />

      {recent && recent.branch === branch ? (
        <Alert
          type="success"
          showIcon
          closable={{ onClose: () => setRecent(null) }}
          data-testid="library-recent"
          title={t("justCommitted", { branch: recent.branch })}
          description={
            <Flex vertical gap={4}>
              <Typography.Text type="secondary">{recentIndexed ? t("justCommittedIndexed") : t("justCommittedHint")}</Typography.Text>
              <Flex gap={8} wrap>
                {recent.assets.map((asset) => (
                  <Link key={asset.path} to={assetHref(asset.path, recent.branch)} data-testid="library-recent-asset">
                    {asset.title || baseName(asset.path)}
                  </Link>
                ))}
              </Flex>
            </Flex>
          }
        />
      ) : null}

      {results.error ? <Alert type="error" showIcon title={errorText(results.error)} data-testid="library-error" /> : null}

      <Typography.Text type="secondary" data-testid="library-summary">
        {results.loading
          ? "\u00a0"
          : results.searching
            ? t("resultsSearch", { n: results.hits.length, more, ms: Math.round(results.tookMs ?? 0) })
            : t("resultsBrowse", { branch, n: results.hits.length, more })}
      </Typography.Text>

      {results.loading ? (
        <Row gutter={[16, 16]}>
          {Array.from({ length: 8 }, (_, index) => (
            <Col key={index} xs={24} sm={12} md={8} lg={6} xxl={4}>
              <Card>
                <Skeleton active />
              </Card>
            </Col>
          ))}
        </Row>
      ) : results.hits.length ? (
        <Row gutter={[16, 16]} data-testid="library-results">
          {results.hits.map((hit) => (
            <Col key={`${hit.branch}:${hit.path}`} xs={24} sm={12} md={8} lg={6} xxl={4}>
              <AssetCard
                hit={hit}
                brandId={brandId}
                tagLabel={tagLabel}
                vocabulary={facets?.tags ?? []}
                onMoreLikeThis={moreLikeThis}
                onTagsSaved={(saved, result) => {
                  results.replaceHit(saved.path, { tags: result.effective_tags });
                  setNudge((value) => value + 1);
                }}
              />
            </Col>
          ))}
        </Row>
      ) : !results.error ? (
        <Empty
          data-testid="library-empty"
          description={results.searching ? t("emptySearch") : hasFilters(filters) ? t("emptyFiltered") : t("emptyBrowse")}
        />
      ) : null}

      {results.nextCursor && !results.loading ? (
        <Flex justify="center">
          <Button onClick={results.loadMore} loading={results.loadingMore} data-testid="library-load-more">
            {t("loadMore")}
          </Button>
        </Flex>
      ) : null}
    </Flex>
  );
}
