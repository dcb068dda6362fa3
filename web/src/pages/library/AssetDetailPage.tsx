// One asset at a ref (branch, tag or commit): preview, facts, tags, compliance, lineage and its history
// across branches, with links to open any other version.
import { AppstoreAddOutlined, ArrowLeftOutlined, DownloadOutlined, EditOutlined } from "@ant-design/icons";
import { Alert, Breadcrumb, Button, Card, Col, Empty, Flex, Row, Skeleton, Space, Tag, Typography } from "antd";
import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";

import { api, call, fetchBlob, type Schemas } from "../../api/client";
import type { Hit } from "../../components/library/AssetCard";
import { AssetCompliance, AssetFacts } from "../../components/library/AssetFacts";
import { AssetHistory } from "../../components/library/AssetHistory";
import { AssetLineage } from "../../components/library/AssetLineage";
import { AssetPreview } from "../../components/library/AssetPreview";
import { assetApiPath, baseName, errorText, StatusTag, useWord } from "../../components/library/labels";
import { TagEditor } from "../../components/library/TagEditor";
import { useFacets } from "../../components/library/useFacets";
import { useFeedback } from "../../feedback";
import { useT, type Messages } from "../../i18n";
import { useBrandId } from "../../session";

type Asset = Schemas["AssetPublic"];
type History = Schemas["AssetHistory"];
type Usage = Schemas["AssetUsage"];
type ReviewItem = Schemas["ReviewItemPublic"];

const messages: Messages<
  | "library"
  | "back"
  | "download"
  | "similar"
  | "branch"
  | "tag"
  | "commit"
  | "tags"
  | "edit"
  | "noTags"
  | "rejected"
  | "notIndexed"
  | "readOnly"
  | "noPath"
  | "notFound"
> = {
  zh: {
    library: "素材库",
    back: "返回素材库",
    download: "下载原文件",
    similar: "找相似",
    branch: "分支 {name}",
    tag: "标签 {name}",
    commit: "历史版本 {name}",
    tags: "标签",
    edit: "编辑",
    noTags: "还没有标签",
    rejected: "已移除（不会被自动加回）：",
    notIndexed: "这个版本还没进入搜索索引，AI 标签会在索引后出现。",
    readOnly: "这是历史版本，只能查看：这里只列出当时人工添加的标签（AI 标签保存在分支的搜索索引里）。要修改标签，请打开分支上的版本。",
    noPath: "没有指定要查看的素材",
    notFound: "找不到这个素材：{error}",
  },
  en: {
    library: "Library",
    back: "Back to the library",
    download: "Download original",
    similar: "More like this",
    branch: "branch {name}",
    tag: "tag {name}",
    commit: "version {name}",
    tags: "Tags",
    edit: "Edit",
    noTags: "No tags yet",
    rejected: "Removed (never added back automatically): ",
    notIndexed: "This version is not in the search index yet; AI tags appear once it is indexed.",
    readOnly: "An older version, read-only: only the tags people added then are listed (AI tags live in a branch's search index). Open the asset on a branch to edit its tags.",
    noPath: "No asset chosen",
    notFound: "Cannot open this asset: {error}",
  },
};

/** Run `load` whenever `key` changes (it names everything `load` depends on); `done` once it settled. */
function useLoad<T>(
  load: (() => Promise<T>) | null,
  key: string,
): { data: T | null; error: unknown; done: boolean; reload: () => void } {
  const [state, setState] = useState<{ data: T | null; error: unknown; done: boolean; key: string }>({
    data: null,
    error: null,
    done: false,
    key,
  });
  const [round, setRound] = useState(0);
  const current = useRef(load);
  current.current = load;
  useEffect(() => {
    const run = current.current;
    if (!run) return undefined;
    let live = true;
    // a reload keeps showing the data it refreshes; another asset or version starts blank
    setState((previous) => (previous.key === key ? { ...previous, error: null, done: false } : { data: null, error: null, done: false, key }));
    run()
      .then((data) => live && setState({ data, error: null, done: true, key }))
      .catch((error: unknown) => live && setState({ data: null, error, done: true, key }));
    return () => {
      live = false;
    };
  }, [key, round]);
  const fresh = state.key === key;
  return { data: fresh ? state.data : null, error: fresh ? state.error : null, done: fresh && state.done, reload: useCallback(() => setRound((value) => value + 1), []) };
}

function metadataTags(metadata: Record<string, unknown>): string[] {
  const tags = (metadata.tags as { name: string }[] | undefined) ?? [];
  return tags.map((tag) => tag.name);
}

export default function AssetDetailPage() {
  const t = useT(messages);
  const word = useWord();
  const brandId = useBrandId();
  const navigate = useNavigate();
  const { message } = useFeedback();
  const [params] = useSearchParams();
  const path = params.get("path") ?? "";
  const at = params.get("ref") || "main";
  const key = `${brandId}|${path}|${at}`;
  const [editing, setEditing] = useState(false);
  const [downloading, setDownloading] = useState(false);
  const { facets, tagLabel } = useFacets(brandId, at);
  const brand = { brand_id: brandId };

  const asset = useLoad<Asset>(
    path ? () => call(api.GET("/v1/brands/{brand_id}/tree/{path}", { params: { path: { ...brand, path }, query: { ref: at } } })) : null,
    key,
  );
  const history = useLoad<History>(
    path ? () => call(api.GET("/v1/brands/{brand_id}/asset-history", { params: { path: brand, query: { path } } })) : null,
    key,
  );
  const usage = useLoad<Usage>(
    path ? () => call(api.GET("/v1/brands/{brand_id}/asset-usage", { params: { path: brand, query: { path, branch: at } } })) : null,
    key,
  );
  const indexed = useLoad<Hit | null>(
    path
      ? () =>
          call(api.GET("/v1/brands/{brand_id}/library", { params: { path: brand, query: { branch: at, path, limit: 1 } } })).then(
            (page) => page.hits[0] ?? null,
          )
      : null,
    key,
  );
  const reviews = useLoad<ReviewItem[]>(
    path
      ? () =>
          call(api.GET("/v1/reviews", { params: { query: { brand_id: brandId, path_prefix: path, limit: 50 } } })).then((page) =>
            page.items.filter((item) => item.path === path),
          )
      : null,
    key,
  );

  if (!path) return <Empty description={t("noPath")} />;

  const refInfo = history.data?.refs.find((ref) => ref.ref === at);
  const isBranch = refInfo ? refInfo.ref_kind === "branch" : !/^[0-9a-f]{7,64}$/.test(at);
  const refLabel = refInfo ? t(refInfo.ref_kind === "tag" ? "tag" : "branch", { name: at }) : isBranch ? t("branch", { name: at }) : t("commit", { name: at.slice(0, 8) });
  const data = asset.data;
  const metadata = (data?.metadata ?? {}) as Record<string, unknown>;
  const title = (metadata.title as string | undefined) || baseName(path);
  const tags = indexed.data?.tags ?? metadataTags(metadata);
  const rejected = (metadata.rejected_tags as string[] | undefined) ?? [];
  const versions = history.data?.versions ?? [];
  const currentVersion =
    versions.find((v) => v.commit_id === at)?.commit_id ??
    versions.find((v) => v.refs.includes(at))?.commit_id ??
    versions.find((v) => data && v.blob === data.blob && (v.title ?? null) === ((metadata.title as string | undefined) ?? null))?.commit_id ??
    null;
  const status =
    indexed.data?.compliance_status ??
    reviews.data?.filter((item) => data && item.blob === data.blob).at(-1)?.state ??
    versions.find((v) => v.commit_id === currentVersion)?.compliance_status ??
    null;

  async function download() {
    if (!data) return;
    setDownloading(true);
    try {
      const blob = await fetchBlob(`${assetApiPath(brandId, path, at, "raw")}&download=true`);
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = baseName(path);
      link.click();
      window.setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (error) {
      message.error(errorText(error));
    } finally {
      setDownloading(false);
    }
  }

  const backHref = `/library?${new URLSearchParams({ branch: isBranch ? at : "main" }).toString()}`;

  return (
    <Flex vertical gap={16} style={{ maxWidth: 1440, margin: "0 auto" }} data-testid="asset-detail" data-path={path} data-ref={at}>
      <Breadcrumb items={[{ title: <Link to={backHref}>{t("library")}</Link> }, { title: path }]} />
      <Flex justify="space-between" align="flex-start" wrap gap={12}>
        <Flex vertical gap={6} style={{ minWidth: 0 }}>
          <Typography.Title level={3} style={{ margin: 0 }} data-testid="asset-title">
            {title}
          </Typography.Title>
          <Flex gap={6} wrap align="center">
            {data ? <Tag>{word(data.kind)}</Tag> : null}
            <Tag color={isBranch ? "orange" : "default"} data-testid="asset-ref">
              {refLabel}
            </Tag>
            {data ? <StatusTag status={status} /> : null}
            <Typography.Text type="secondary" copyable={{ text: path }} style={{ fontSize: 12 }}>
              {path}
            </Typography.Text>
          </Flex>
        </Flex>
        <Space wrap>
          <Button icon={<ArrowLeftOutlined />} onClick={() => navigate(backHref)}>
            {t("back")}
          </Button>
          {data?.kind === "image" && isBranch ? (
            <Button
              icon={<AppstoreAddOutlined />}
              data-testid="asset-more-like-this"
              onClick={() => navigate(`/library?${new URLSearchParams({ branch: at, like: path }).toString()}`)}
            >
              {t("similar")}
            </Button>
          ) : null}
          <Button type="primary" icon={<DownloadOutlined />} loading={downloading} disabled={!data} onClick={() => void download()} data-testid="asset-download">
            {t("download")}
          </Button>
        </Space>
      </Flex>

      {asset.error ? (
        <Alert type="error" showIcon title={t("notFound", { error: errorText(asset.error) })} data-testid="asset-error" />
      ) : null}

      {!data && !asset.error ? <Skeleton active paragraph={{ rows: 8 }} /> : null}

      {data ? (
        <Row gutter={[16, 16]}>
          <Col xs={24} lg={14}>
            <Card styles={{ body: { padding: 12 } }} data-testid="asset-preview">
              <AssetPreview brandId={brandId} asset={data} at={at} />
            </Card>
          </Col>
          <Col xs={24} lg={10}>
            <Flex vertical gap={16}>
              <Card
                title={t("tags")}
                data-testid="asset-tags"
                extra={
                  isBranch && !editing ? (
                    <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="asset-tags-edit">
                      {t("edit")}
                    </Button>
                  ) : null
                }
              >
                {editing ? (
                  <TagEditor
                    brandId={brandId}
                    branch={at}
                    path={path}
                    tags={tags}
                    vocabulary={facets?.tags ?? []}
                    tagLabel={tagLabel}
                    onCancel={() => setEditing(false)}
                    onSaved={() => {
                      setEditing(false);
                      asset.reload();
                      history.reload();
                      indexed.reload();
                    }}
                  />
                ) : (
                  <Flex vertical gap={8}>
                    <Flex gap={6} wrap>
                      {tags.length ? (
                        tags.map((tag) => (
                          <Tag key={tag} data-tag={tag} style={{ marginInlineEnd: 0 }}>
                            {tagLabel(tag)}
                          </Tag>
                        ))
                      ) : (
                        <Typography.Text type="secondary">{t("noTags")}</Typography.Text>
                      )}
                    </Flex>
                    {rejected.length ? (
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {t("rejected")}
                        {rejected.map(tagLabel).join("、")}
                      </Typography.Text>
                    ) : null}
                    {isBranch && indexed.done && indexed.data === null && !indexed.error ? (
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {t("notIndexed")}
                      </Typography.Text>
                    ) : null}
                    {!isBranch ? (
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {t("readOnly")}
                      </Typography.Text>
                    ) : null}
                    {indexed.error ? <Alert type="warning" showIcon title={errorText(indexed.error)} /> : null}
                  </Flex>
                )}
              </Card>
              <AssetCompliance asset={data} status={status} reviews={reviews.data} error={reviews.error} />
              <AssetFacts asset={data} version={currentVersion} />
            </Flex>
          </Col>
        </Row>
      ) : null}

      <Row gutter={[16, 16]}>
        {data ? (
          <Col xs={24} lg={10}>
            <AssetLineage metadata={metadata} at={at} usage={usage.data} usageError={usage.error} />
          </Col>
        ) : null}
        <Col xs={24} lg={data ? 14 : 24}>
          <AssetHistory path={path} at={at} currentVersion={currentVersion} history={history.data} error={history.error} />
        </Col>
      </Row>
    </Flex>
  );
}
