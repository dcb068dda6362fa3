// One queued upload: its preview, editable path and title, progress, and the duplicates warning.
import { DeleteOutlined } from "@ant-design/icons";
import { Alert, Button, Flex, Input, Progress, Space, Tag, Typography } from "antd";
import { Link } from "react-router";

import { useObjectUrl } from "../../api/useObjectUrl";
import { assetApiPath, assetHref, kindIcon } from "./labels";
import { REASONS, type Item, type Match, type Translate } from "./uploadMessages";

function MatchThumb({ brandId, match }: { brandId: string; match: Match }) {
  const { url } = useObjectUrl(match.kind === "image" ? assetApiPath(brandId, match.path, match.branch, "preview") : null);
  return (
    <span style={{ width: 32, height: 32, borderRadius: 4, background: "#f5f5f4", display: "inline-grid", placeItems: "center", overflow: "hidden", verticalAlign: "middle" }}>
      {url ? <img src={url} alt="" style={{ width: "100%", height: "100%", objectFit: "cover" }} /> : kindIcon(match.kind)}
    </span>
  );
}

export function UploadRow({
  brandId,
  item,
  t,
  word,
  invalidPath,
  clash,
  onChange,
  onRemove,
}: {
  brandId: string;
  item: Item;
  t: Translate;
  word: (id: string) => string;
  invalidPath: boolean;
  clash: boolean;
  onChange: (patch: Partial<Item>) => void;
  onRemove: () => void;
}) {
  const kind = item.blob?.kind ?? (item.file.type.split("/")[0] || "");
  return (
    <Flex vertical gap={8} data-testid="upload-item" data-status={item.status} data-path={item.path}>
      <Flex gap={12} align="center" wrap>
        <div style={{ width: 56, height: 56, borderRadius: 6, background: "#f5f5f4", display: "grid", placeItems: "center", overflow: "hidden", flex: "none" }}>
          {item.preview ? (
            <img src={item.preview} alt={item.file.name} style={{ width: "100%", height: "100%", objectFit: "cover" }} />
          ) : (
            <span style={{ fontSize: 24, color: "#a8a29e" }}>{kindIcon(kind)}</span>
          )}
        </div>
        <Flex vertical gap={4} style={{ flex: "1 1 260px", minWidth: 0 }}>
          <Input
            size="small"
            aria-label={t("path")}
            addonBefore={t("path")}
            value={item.path}
            status={invalidPath || clash ? "error" : undefined}
            onChange={(e) => onChange({ path: e.target.value })}
          />
          {invalidPath || clash ? (
            <Typography.Text type="danger" style={{ fontSize: 12 }}>
              {invalidPath ? t("badPath") : t("samePath")}
            </Typography.Text>
          ) : null}
          <Input
            size="small"
            aria-label={t("title")}
            addonBefore={t("title")}
            value={item.title}
            onChange={(e) => onChange({ title: e.target.value })}
          />
        </Flex>
        <Flex vertical gap={4} align="flex-end" style={{ flex: "0 0 150px" }}>
          {item.status === "uploading" ? <Progress percent={item.progress} size="small" style={{ width: 140 }} /> : null}
          {item.status === "checking" ? <Tag color="processing">{t("checking")}</Tag> : null}
          {item.status === "ready" ? (
            <Space size={4} wrap>
              {item.blob ? <Tag>{word(item.blob.kind)}</Tag> : null}
              <Tag color={item.duplicates.length ? "warning" : "success"}>{t("ready")}</Tag>
            </Space>
          ) : null}
          {item.blob && !item.blob.created && !item.duplicates.length ? (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t("seenBefore")}
            </Typography.Text>
          ) : null}
          <Button size="small" type="text" icon={<DeleteOutlined />} onClick={onRemove} aria-label={`${t("remove")} ${item.file.name}`}>
            {t("remove")}
          </Button>
        </Flex>
      </Flex>
      {item.status === "error" ? <Alert type="error" showIcon title={item.error} data-testid="upload-error" /> : null}
      {item.status === "ready" && item.duplicates.length ? (
        item.acknowledged ? (
          <Typography.Text type="warning" style={{ fontSize: 12 }}>
            {t("dupKept")}
          </Typography.Text>
        ) : (
          <Alert
            type="warning"
            showIcon
            data-testid="duplicate-warning"
            title={t("dupTitle", { name: item.file.name })}
            description={
              <Flex vertical gap={4}>
                <span>{t("dupBody")}</span>
                {item.duplicates.slice(0, 5).map((match) => (
                  <Flex key={`${match.branch}:${match.path}`} gap={8} align="center" wrap data-testid="duplicate-match" data-path={match.path}>
                    <MatchThumb brandId={brandId} match={match} />
                    <Link to={assetHref(match.path, match.branch)} target="_blank">
                      {match.branch} / {match.path}
                    </Link>{" "}
                    {match.reasons.map((reason) => (
                      <Tag key={reason} color={reason === "identical" ? "red" : "orange"}>
                        {REASONS.has(reason) ? t(reason as "identical" | "phash" | "embedding" | "keypoints") : reason}
                      </Tag>
                    ))}
                  </Flex>
                ))}
              </Flex>
            }
            action={
              <Flex vertical gap={6}>
                <Button size="small" onClick={onRemove} data-testid="duplicate-cancel">
                  {t("dupCancel")}
                </Button>
                <Button size="small" type="primary" ghost onClick={() => onChange({ acknowledged: true })} data-testid="duplicate-keep">
                  {t("dupKeep")}
                </Button>
              </Flex>
            }
          />
        )
      ) : null}
    </Flex>
  );
}
