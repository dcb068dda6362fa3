// Version history across branches: what each branch and tag holds now, and every commit that changed the
// asset (newest first), with links to open any version.
import { BranchesOutlined, TagOutlined } from "@ant-design/icons";
import { Alert, Card, Col, Empty, Flex, Row, Skeleton, Table, Tag, Timeline, Typography, type TableColumnsType } from "antd";
import { Link } from "react-router";

import type { Schemas } from "../../api/client";
import { useLang, useT, type Messages } from "../../i18n";
import { useSession } from "../../session";
import { assetHref, errorText, formatBytes, formatTime, StatusTag } from "./labels";

type History = Schemas["AssetHistory"];
type AtRef = Schemas["AssetAtRef"];
type Version = Schemas["AssetVersion"];

const messages: Messages<
  | "title"
  | "refs"
  | "versions"
  | "ref"
  | "holds"
  | "absent"
  | "review"
  | "open"
  | "viewing"
  | "added"
  | "modified"
  | "metadata"
  | "deleted"
  | "openVersion"
  | "beforeDelete"
  | "heldBy"
  | "truncated"
  | "noVersions"
  | "by"
  | "me"
> = {
  zh: {
    title: "版本历史",
    refs: "各分支与标签中的此素材",
    versions: "修改记录（所有分支，最新在前）",
    ref: "分支 / 标签",
    holds: "当前版本",
    absent: "此处没有该素材",
    review: "审核",
    open: "查看",
    viewing: "正在查看",
    added: "新增",
    modified: "更换文件",
    metadata: "修改信息",
    deleted: "删除",
    openVersion: "打开此版本",
    beforeDelete: "查看删除前的版本",
    heldBy: "位于",
    truncated: "只显示了较近的历史。",
    noVersions: "没有找到修改记录",
    by: "提交人",
    me: "我",
  },
  en: {
    title: "Version history",
    refs: "This asset on each branch and tag",
    versions: "Changes (every branch, newest first)",
    ref: "Branch / tag",
    holds: "Version there",
    absent: "Not on this ref",
    review: "Review",
    open: "View",
    viewing: "Viewing",
    added: "Added",
    modified: "New file",
    metadata: "Details changed",
    deleted: "Deleted",
    openVersion: "Open this version",
    beforeDelete: "Open the version before deletion",
    heldBy: "On",
    truncated: "Only recent history is shown.",
    noVersions: "No changes found",
    by: "by",
    me: "me",
  },
};

const CHANGE_COLORS: Record<Version["change"], string> = {
  added: "green",
  modified: "blue",
  metadata: "gold",
  deleted: "red",
};

export function AssetHistory({
  path,
  at,
  currentVersion,
  history,
  error,
}: {
  path: string;
  /** The ref being viewed (branch, tag or commit id). */
  at: string;
  /** Commit id of the version being viewed, when known. */
  currentVersion: string | null;
  history: History | null;
  error: unknown;
}) {
  const t = useT(messages);
  const { lang } = useLang();
  const columns: TableColumnsType<AtRef> = [
    {
      title: t("ref"),
      dataIndex: "ref",
      render: (_, row) => (
        <Flex gap={6} align="center" wrap>
          {row.ref_kind === "tag" ? <TagOutlined /> : <BranchesOutlined />}
          {row.present && row.ref !== at ? (
            <Link to={assetHref(path, row.ref)} data-testid="asset-ref-open" data-ref={row.ref}>
              {row.ref}
            </Link>
          ) : (
            <Typography.Text strong={row.ref === at}>{row.ref}</Typography.Text>
          )}
          {row.ref === at ? <Tag color="orange">{t("viewing")}</Tag> : null}
        </Flex>
      ),
    },
    {
      title: t("holds"),
      render: (_, row) =>
        row.present ? (
          <Flex vertical>
            <Typography.Text ellipsis style={{ maxWidth: 220 }}>
              {row.title || path}
            </Typography.Text>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {formatBytes(row.size)} · {row.blob?.slice(0, 8)}
            </Typography.Text>
          </Flex>
        ) : (
          <Typography.Text type="secondary">{t("absent")}</Typography.Text>
        ),
    },
    { title: t("review"), render: (_, row) => (row.present ? <StatusTag status={row.compliance_status} /> : null) },
  ];

  return (
    <Card title={t("title")} data-testid="asset-history">
      {error ? <Alert type="error" showIcon title={errorText(error)} /> : null}
      {!history && !error ? <Skeleton active /> : null}
      {history ? (
        <Row gutter={[24, 16]}>
          <Col span={24}>
            <Typography.Title level={5}>{t("refs")}</Typography.Title>
            <Table
              size="small"
              rowKey="ref"
              columns={columns}
              dataSource={history.refs}
              pagination={false}
              data-testid="asset-refs"
            />
          </Col>
          <Col span={24}>
            <Typography.Title level={5}>{t("versions")}</Typography.Title>
            {history.versions.length ? (
              <Timeline
                items={history.versions.map((version) => ({
                  key: version.commit_id,
                  color: CHANGE_COLORS[version.change],
                  content: (
                    <VersionItem
                      version={version}
                      path={path}
                      current={version.commit_id === currentVersion}
                      when={formatTime(version.created_at, lang)}
                      t={t}
                    />
                  ),
                }))}
              />
            ) : (
              <Empty description={t("noVersions")} />
            )}
            {history.truncated ? <Typography.Text type="secondary">{t("truncated")}</Typography.Text> : null}
          </Col>
        </Row>
      ) : null}
    </Card>
  );
}

function VersionItem({
  version,
  path,
  current,
  when,
  t,
}: {
  version: Version;
  path: string;
  current: boolean;
  when: string;
  t: (key: keyof (typeof messages)["zh"], vars?: Record<string, string | number>) => string;
}) {
  const { me } = useSession();
  const parent = version.parents[0];
  const author = (id: string) => (id === me?.principal_id ? t("me") : id.length > 14 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id);
  return (
    <Flex vertical gap={4} data-testid="asset-version" data-commit={version.commit_id} data-change={version.change}>
      <Flex gap={6} wrap align="center">
        <Tag color={CHANGE_COLORS[version.change]}>{t(version.change)}</Tag>
        <Typography.Text strong>{version.message}</Typography.Text>
        {current ? <Tag color="orange">{t("viewing")}</Tag> : null}
      </Flex>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {when} · {version.commit_id.slice(0, 8)}
        {version.author_id ? ` · ${t("by")} ${author(version.author_id)}` : ""}
        {version.blob ? ` · ${formatBytes(version.size)}` : ""}
      </Typography.Text>
      <Flex gap={6} wrap align="center">
        {version.refs.length ? (
          <>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t("heldBy")}
            </Typography.Text>
            {version.refs.map((ref) => (
              <Tag key={ref} icon={<BranchesOutlined />}>
                {ref}
              </Tag>
            ))}
          </>
        ) : null}
        {version.blob ? <StatusTag status={version.compliance_status} /> : null}
        {version.change !== "deleted" && !current ? (
          <Link to={assetHref(path, version.commit_id)} data-testid="asset-version-open">
            {t("openVersion")}
          </Link>
        ) : null}
        {version.change === "deleted" && parent ? (
          <Link to={assetHref(path, parent)} data-testid="asset-version-open">
            {t("beforeDelete")}
          </Link>
        ) : null}
      </Flex>
    </Flex>
  );
}
