// Lineage: what the asset was made from (and how a model made it), what was made from it, and where the
// very same bytes are used elsewhere in the brand.
import { ApartmentOutlined, ArrowDownOutlined, ArrowUpOutlined, CopyOutlined, RobotOutlined } from "@ant-design/icons";
import { Alert, Card, Descriptions, Flex, Skeleton, Tag, Typography } from "antd";
import type { ReactNode } from "react";
import { Link } from "react-router";

import type { Schemas } from "../../api/client";
import { useT, type Messages } from "../../i18n";
import { assetHref, errorText, kindIcon } from "./labels";

type Usage = Schemas["AssetUsage"];

interface DerivedFrom {
  path: string;
  commit?: string | null;
  blob?: string | null;
  relation?: string;
}

interface Generation {
  model: string;
  prompt?: string | null;
  negative_prompt?: string | null;
  seed?: number | null;
  pipeline_version?: string | null;
  job_id?: string | null;
}

const messages: Messages<
  | "title"
  | "sources"
  | "derived"
  | "sameBlob"
  | "generation"
  | "model"
  | "prompt"
  | "negative"
  | "seed"
  | "job"
  | "none"
  | "noneDerived"
  | "atCommit"
  | "usageError"
> = {
  zh: {
    title: "来源与衍生",
    sources: "由这些素材制作",
    derived: "由它衍生的素材",
    sameBlob: "同一文件还用在",
    generation: "AI 生成参数",
    model: "模型",
    prompt: "提示词",
    negative: "反向提示词",
    seed: "随机种子",
    job: "生成任务",
    none: "这是一份原始素材，没有记录来源",
    noneDerived: "还没有素材由它衍生",
    atCommit: "（提交 {commit} 时的版本）",
    usageError: "无法读取衍生关系：{error}",
  },
  en: {
    title: "Lineage",
    sources: "Made from",
    derived: "Made from it",
    sameBlob: "The same file is also at",
    generation: "How a model made it",
    model: "Model",
    prompt: "Prompt",
    negative: "Negative prompt",
    seed: "Seed",
    job: "Job",
    none: "An original: no sources recorded",
    noneDerived: "Nothing derives from it yet",
    atCommit: "(version of commit {commit})",
    usageError: "Cannot read lineage: {error}",
  },
};

function Section({ icon, title, children }: { icon: ReactNode; title: string; children: ReactNode }) {
  return (
    <Flex vertical gap={6}>
      <Typography.Text strong>
        {icon} {title}
      </Typography.Text>
      {children}
    </Flex>
  );
}

function RefLink({ path, at, kind, relation, note }: { path: string; at: string; kind?: string; relation?: string | null; note?: string }) {
  return (
    <Flex gap={6} align="center" wrap data-testid="lineage-link" data-path={path}>
      <span style={{ color: "#a8a29e" }}>{kindIcon(kind)}</span>
      <Link to={assetHref(path, at)}>{path}</Link>
      {at !== "main" && at.length < 40 ? <Tag>{at}</Tag> : null}
      {relation ? <Tag color="geekblue">{relation}</Tag> : null}
      {note ? <Typography.Text type="secondary" style={{ fontSize: 12 }}>{note}</Typography.Text> : null}
    </Flex>
  );
}

export function AssetLineage({
  metadata,
  at,
  usage,
  usageError,
}: {
  metadata: Record<string, unknown>;
  at: string;
  usage: Usage | null;
  usageError: unknown;
}) {
  const t = useT(messages);
  const lineage = (metadata.lineage ?? {}) as { derived_from?: DerivedFrom[]; generation?: Generation | null };
  const sources = lineage.derived_from ?? [];
  const generation = lineage.generation ?? null;
  const kinds = new Map((usage?.sources ?? []).map((ref) => [ref.path, ref.kind]));
  return (
    <Card title={<><ApartmentOutlined /> {t("title")}</>} data-testid="asset-lineage">
      <Flex vertical gap={16}>
        <Section icon={<ArrowUpOutlined />} title={t("sources")}>
          {sources.length ? (
            sources.map((source) => (
              <RefLink
                key={`${source.path}:${source.commit ?? ""}`}
                path={source.path}
                at={source.commit ?? at}
                kind={kinds.get(source.path)}
                relation={source.relation}
                note={source.commit ? t("atCommit", { commit: source.commit.slice(0, 8) }) : undefined}
              />
            ))
          ) : (
            <Typography.Text type="secondary">{t("none")}</Typography.Text>
          )}
        </Section>
        {generation ? (
          <Section icon={<RobotOutlined />} title={t("generation")}>
            <Descriptions size="small" column={1} bordered items={[
              { key: "model", label: t("model"), children: generation.model },
              ...(generation.prompt ? [{ key: "prompt", label: t("prompt"), children: <Typography.Paragraph ellipsis={{ rows: 4, expandable: true }} style={{ margin: 0 }}>{generation.prompt}</Typography.Paragraph> }] : []),
              ...(generation.negative_prompt ? [{ key: "negative", label: t("negative"), children: generation.negative_prompt }] : []),
              ...(generation.seed !== null && generation.seed !== undefined ? [{ key: "seed", label: t("seed"), children: String(generation.seed) }] : []),
              ...(generation.job_id ? [{ key: "job", label: t("job"), children: <Typography.Text code>{generation.job_id}</Typography.Text> }] : []),
            ]} />
          </Section>
        ) : null}
        <Section icon={<ArrowDownOutlined />} title={t("derived")}>
          {usageError ? <Alert type="warning" showIcon title={t("usageError", { error: errorText(usageError) })} /> : null}
          {!usage && !usageError ? <Skeleton active paragraph={{ rows: 1 }} title={false} /> : null}
          {usage ? (
            usage.derived.length ? (
              usage.derived.map((ref) => (
                <RefLink key={`${ref.branch}:${ref.path}`} path={ref.path} at={ref.branch} kind={ref.kind} relation={ref.relation} />
              ))
            ) : (
              <Typography.Text type="secondary">{t("noneDerived")}</Typography.Text>
            )
          ) : null}
        </Section>
        {usage?.same_blob.length ? (
          <Section icon={<CopyOutlined />} title={t("sameBlob")}>
            {usage.same_blob.map((ref) => (
              <RefLink key={`${ref.branch}:${ref.path}`} path={ref.path} at={ref.branch} kind={ref.kind} />
            ))}
          </Section>
        ) : null}
      </Flex>
    </Card>
  );
}
