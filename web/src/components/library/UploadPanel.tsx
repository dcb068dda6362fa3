// Upload by drag and drop: each file's bytes are stored at once (validated, content-addressed), checked
// against the brand's assets for duplicates, and then committed together to a branch with shared metadata.
import { CloudUploadOutlined, InboxOutlined } from "@ant-design/icons";
import { Alert, AutoComplete, Button, Card, Col, Flex, Input, Row, Select, Typography, Upload } from "antd";
import { useEffect, useMemo, useRef, useState } from "react";

import { api, call, type Schemas } from "../../api/client";
import { uploadBlob } from "../../api/upload";
import { useFeedback } from "../../feedback";
import { useLang, useT } from "../../i18n";
import { errorText, PLATFORMS, useWord } from "./labels";
import { UploadRow } from "./UploadRow";
import { uploadMessages, type Item } from "./uploadMessages";
import type { Facets } from "./useFacets";

export interface Committed {
  branch: string;
  commit: Schemas["CommitPublic"];
  assets: { path: string; kind: string; title: string }[];
}

function monthFolder(): string {
  const now = new Date();
  return `uploads/${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

function joinPath(folder: string, name: string): string {
  const clean = folder
    .split("/")
    .map((segment) => segment.trim())
    .filter(Boolean)
    .join("/");
  return clean ? `${clean}/${name.trim()}` : name.trim();
}

function pathProblem(path: string): boolean {
  return !path || path.startsWith("/") || path.endsWith("/") || path.split("/").some((s) => !s || s === "." || s === ".." || s !== s.trim());
}

function stem(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) : name;
}

let counter = 0;

export function UploadPanel({
  brandId,
  branches,
  defaultBranch,
  facets,
  tagLabel,
  onCommitted,
}: {
  brandId: string;
  branches: string[];
  defaultBranch: string;
  facets: Facets | null;
  tagLabel: (id: string) => string;
  onCommitted: (result: Committed) => void;
}) {
  const t = useT(uploadMessages);
  const word = useWord();
  const { lang } = useLang();
  const { message } = useFeedback();
  const [items, setItems] = useState<Item[]>([]);
  const [branch, setBranch] = useState(defaultBranch);
  const [folder, setFolder] = useState(monthFolder);
  const [campaign, setCampaign] = useState("");
  const [platforms, setPlatforms] = useState<string[]>([]);
  const [tags, setTags] = useState<string[]>([]);
  const [commitMessage, setCommitMessage] = useState("");
  const [committing, setCommitting] = useState(false);
  const itemsRef = useRef(items);
  itemsRef.current = items;

  useEffect(() => setBranch(defaultBranch), [defaultBranch]);
  useEffect(() => () => itemsRef.current.forEach((item) => item.preview && URL.revokeObjectURL(item.preview)), []);

  const update = (uid: string, patch: Partial<Item>) =>
    setItems((current) => current.map((item) => (item.uid === uid ? { ...item, ...patch } : item)));

  async function process(item: Item) {
    try {
      const blob = await uploadBlob(brandId, item.file, {
        onProgress: (fraction) => update(item.uid, { progress: Math.round(fraction * 100) }),
      });
      update(item.uid, { blob, status: "checking", progress: 100 });
      const report = await call(
        api.GET("/v1/brands/{brand_id}/blobs/{sha256}/duplicates", {
          params: { path: { brand_id: brandId, sha256: blob.sha256 } },
        }),
      );
      update(item.uid, { status: "ready", duplicates: report.matches });
    } catch (error) {
      update(item.uid, { status: "error", error: errorText(error) });
    }
  }

  function add(file: File) {
    counter += 1;
    const item: Item = {
      uid: `up-${counter}`,
      file,
      preview: file.type.startsWith("image/") ? URL.createObjectURL(file) : null,
      status: "uploading",
      progress: 0,
      duplicates: [],
      acknowledged: false,
      path: joinPath(folder, file.name),
      title: stem(file.name),
    };
    setItems((current) => [...current, item]);
    void process(item);
  }

  function remove(uid: string) {
    setItems((current) => {
      const gone = current.find((item) => item.uid === uid);
      if (gone?.preview) URL.revokeObjectURL(gone.preview);
      return current.filter((item) => item.uid !== uid);
    });
  }

  function changeFolder(next: string) {
    setFolder(next);
    setItems((current) => current.map((item) => ({ ...item, path: joinPath(next, item.file.name) })));
  }

  const ready = items.filter((item) => item.status === "ready");
  const pending = items.some((item) => item.status === "uploading" || item.status === "checking");
  const unresolved = ready.filter((item) => item.duplicates.length && !item.acknowledged).length;
  const paths = items.map((item) => item.path);
  const clash = (item: Item) => paths.filter((path) => path === item.path).length > 1;
  const invalid = ready.some((item) => pathProblem(item.path) || clash(item));
  const branchOptions = useMemo(() => branches.map((name) => ({ value: name, label: name })), [branches]);
  const tagOptions = useMemo(
    () => (facets?.tags ?? []).map((tag) => ({ value: tag.id, label: lang === "zh" ? tag.zh : tag.en })),
    [facets, lang],
  );
  const isNew = Boolean(branch) && !branches.includes(branch);

  async function commit() {
    setCommitting(true);
    try {
      if (isNew) {
        await call(
          api.POST("/v1/brands/{brand_id}/branches", {
            params: { path: { brand_id: brandId } },
            body: { name: branch, from_ref: "main" },
          }),
        );
      }
      const changes = ready.map((item) => ({
        op: "put" as const,
        path: item.path,
        blob: item.blob!.sha256,
        metadata: {
          title: item.title.trim() || null,
          campaign: campaign.trim() || null,
          platforms,
          tags: tags.map((name) => ({ name, source: "human" as const })),
          rejected_tags: [],
        },
      }));
      const result = await call(
        api.POST("/v1/brands/{brand_id}/commits", {
          params: { path: { brand_id: brandId } },
          body: { branch, message: commitMessage.trim() || t("defaultMessage", { n: changes.length }), changes },
        }),
      );
      message.success(t("committed", { n: changes.length, branch, commit: result.id.slice(0, 8) }));
      onCommitted({
        branch,
        commit: result,
        assets: ready.map((item) => ({ path: item.path, kind: item.blob!.kind, title: item.title })),
      });
      const done = new Set(ready.map((item) => item.uid));
      ready.forEach((item) => item.preview && URL.revokeObjectURL(item.preview));
      setItems((current) => current.filter((item) => !done.has(item.uid)));
      setCommitMessage("");
    } catch (error) {
      message.error(errorText(error));
    } finally {
      setCommitting(false);
    }
  }

  return (
    <Flex vertical gap={12}>
      <div data-testid="library-upload">
        <Upload.Dragger
          multiple
          showUploadList={false}
          beforeUpload={(file) => {
            add(file);
            return Upload.LIST_IGNORE;
          }}
          aria-label={t("drop")}
          style={{ padding: "4px 0" }}
        >
          <Flex align="center" justify="center" gap={16} wrap style={{ padding: "4px 16px" }}>
            <InboxOutlined style={{ fontSize: 32, color: "#c2410c" }} />
            <div style={{ textAlign: "start" }}>
              <Typography.Text strong>{t("drop")}</Typography.Text>
              <br />
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t("dropHint")}
              </Typography.Text>
            </div>
          </Flex>
        </Upload.Dragger>
      </div>
      {items.length ? (
        <Card
          size="small"
          title={t("queue")}
          data-testid="upload-queue"
          extra={
            <Button size="small" onClick={() => items.forEach((item) => remove(item.uid))}>
              {t("clear")}
            </Button>
          }
        >
          <Flex vertical gap={12}>
            {items.map((item) => (
              <UploadRow
                key={item.uid}
                brandId={brandId}
                item={item}
                t={t}
                word={word}
                invalidPath={pathProblem(item.path)}
                clash={clash(item)}
                onChange={(patch) => update(item.uid, patch)}
                onRemove={() => remove(item.uid)}
              />
            ))}
            <Row gutter={[12, 12]}>
              <Col xs={24} md={12} lg={8}>
                <Typography.Text type="secondary">{t("branch")}</Typography.Text>
                <AutoComplete
                  aria-label={t("branch")}
                  data-testid="upload-branch"
                  value={branch}
                  options={branchOptions}
                  onChange={(value: string) => setBranch(value.trim())}
                  filterOption={(input, option) => String(option?.value ?? "").includes(input)}
                  style={{ width: "100%" }}
                />
              </Col>
              <Col xs={24} md={12} lg={8}>
                <Typography.Text type="secondary">{t("folder")}</Typography.Text>
                <Input aria-label={t("folder")} data-testid="upload-folder" value={folder} onChange={(e) => changeFolder(e.target.value)} />
              </Col>
              <Col xs={24} md={12} lg={8}>
                <Typography.Text type="secondary">{t("campaign")}</Typography.Text>
                <AutoComplete
                  aria-label={t("campaign")}
                  data-testid="upload-campaign"
                  value={campaign}
                  options={(facets?.campaigns ?? []).map((value) => ({ value }))}
                  onChange={(value: string) => setCampaign(value)}
                  style={{ width: "100%" }}
                />
              </Col>
              <Col xs={24} md={12} lg={8}>
                <Typography.Text type="secondary">{t("platforms")}</Typography.Text>
                <Select
                  mode="multiple"
                  aria-label={t("platforms")}
                  data-testid="upload-platforms"
                  value={platforms}
                  onChange={(value: string[]) => setPlatforms(value)}
                  options={PLATFORMS.map((value) => ({ value, label: word(value) }))}
                  style={{ width: "100%" }}
                />
              </Col>
              <Col xs={24} md={12} lg={8}>
                <Typography.Text type="secondary">{t("tags")}</Typography.Text>
                <Select
                  mode="tags"
                  aria-label={t("tags")}
                  data-testid="upload-tags"
                  value={tags}
                  onChange={(value: string[]) => setTags(value)}
                  options={tagOptions}
                  labelRender={({ value }) => tagLabel(String(value))}
                  style={{ width: "100%" }}
                />
              </Col>
              <Col xs={24} md={12} lg={8}>
                <Typography.Text type="secondary">{t("message")}</Typography.Text>
                <Input
                  aria-label={t("message")}
                  data-testid="upload-message"
                  value={commitMessage}
                  placeholder={t("defaultMessage", { n: ready.length })}
                  onChange={(e) => setCommitMessage(e.target.value)}
                />
              </Col>
            </Row>
            {isNew ? <Typography.Text type="secondary">{t("branchNew", { name: branch })}</Typography.Text> : null}
            {branch === "main" ? <Alert type="warning" showIcon title={t("branchMain")} /> : null}
            <Flex justify="flex-end">
              <Button
                type="primary"
                icon={<CloudUploadOutlined />}
                data-testid="upload-commit"
                disabled={!ready.length || pending || invalid || !branch}
                loading={committing}
                onClick={() => void commit()}
                danger={unresolved > 0}
              >
                {unresolved ? t("commitAnyway", { n: ready.length, d: unresolved }) : t("commit", { n: ready.length })}
              </Button>
            </Flex>
          </Flex>
        </Card>
      ) : null}
    </Flex>
  );
}

