// Pick footage (video assets) from the library at a branch, for video remixes.
import { VideoCameraOutlined } from "@ant-design/icons";
import { Alert, Checkbox, Empty, Flex, Select, Skeleton, Typography } from "antd";
import { useEffect, useState } from "react";

import { api, ApiError, call, type Schemas } from "../../api/client";
import { useObjectUrl } from "../../api/useObjectUrl";
import { useT, type Messages } from "../../i18n";
import { useBrandId } from "../../session";
import { previewPath } from "./assets";

type Entry = Schemas["EntryPublic"];

const messages: Messages<"ref" | "none" | "hint" | "picked" | "more"> = {
  zh: {
    ref: "素材所在分支",
    none: "这个分支还没有视频素材：可以切换分支，或先到素材库上传",
    hint: "视频由所选素材混剪而成，至少选 1 段",
    picked: "已选 {n} 段",
    more: "仅显示前 {n} 段",
  },
  en: {
    ref: "Footage branch",
    none: "No video footage on this branch: pick another branch, or upload some in the library",
    hint: "Videos are remixed from the footage you pick (at least one clip)",
    picked: "{n} picked",
    more: "Showing the first {n} clips",
  },
};

const LIMIT = 60;

function Thumb({ path, at }: { path: string; at: string }) {
  const brandId = useBrandId();
  const { url } = useObjectUrl(previewPath(brandId, path, at));
  if (!url) {
    return (
      <Flex align="center" justify="center" style={{ width: 56, height: 56, background: "#f5f5f5", borderRadius: 6 }}>
        <VideoCameraOutlined />
      </Flex>
    );
  }
  return <img src={url} alt="" style={{ width: 56, height: 56, objectFit: "cover", borderRadius: 6 }} />;
}

export function FootagePicker({
  value,
  onChange,
  branch,
  onBranchChange,
}: {
  value?: string[];
  onChange?: (paths: string[]) => void;
  branch: string;
  onBranchChange: (ref: string) => void;
}) {
  const t = useT(messages);
  const brandId = useBrandId();
  const [branches, setBranches] = useState<string[]>(["main"]);
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    call(api.GET("/v1/brands/{brand_id}/branches", { params: { path: { brand_id: brandId } } }))
      .then((refs) => live && setBranches(refs.map((r) => r.name).filter((n) => !n.startsWith("generations/"))))
      .catch((e: unknown) => live && setError(e instanceof ApiError ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [brandId]);

  useEffect(() => {
    let live = true;
    setEntries(null);
    setError(null);
    call(
      api.GET("/v1/brands/{brand_id}/assets", {
        params: { path: { brand_id: brandId }, query: { ref: branch, kind: "video", limit: LIMIT } },
      }),
    )
      .then((page) => {
        if (!live) return;
        setEntries(page.items);
        setMore(Boolean(page.next_cursor));
      })
      .catch((e: unknown) => {
        if (!live) return;
        setEntries([]);
        setError(e instanceof ApiError ? e.message : String(e));
      });
    return () => {
      live = false;
    };
  }, [brandId, branch]);

  const picked = value ?? [];
  return (
    <Flex vertical gap={8} data-testid="footage-picker">
      <Flex gap={8} align="center" wrap>
        <Typography.Text type="secondary">{t("ref")}</Typography.Text>
        <Select
          aria-label={t("ref")}
          data-testid="footage-ref"
          style={{ minWidth: 180 }}
          value={branch}
          options={branches.map((name) => ({ value: name, label: name }))}
          onChange={(ref: string) => {
            onBranchChange(ref);
            onChange?.([]);
          }}
        />
        <Typography.Text type="secondary">{t("picked", { n: picked.length })}</Typography.Text>
      </Flex>
      {error ? <Alert type="error" showIcon title={error} /> : null}
      {entries === null ? (
        <Skeleton active paragraph={{ rows: 2 }} />
      ) : entries.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("none")} />
      ) : (
        <Checkbox.Group value={picked} onChange={(next) => onChange?.(next as string[])} style={{ width: "100%" }}>
          <Flex vertical gap={6} style={{ maxHeight: 240, overflowY: "auto", width: "100%" }}>
            {entries.map((entry) => (
              <Checkbox key={entry.path} value={entry.path} data-testid="footage-option">
                <Flex gap={8} align="center">
                  <Thumb path={entry.path} at={branch} />
                  <Typography.Text ellipsis style={{ maxWidth: 220 }}>
                    {entry.path}
                  </Typography.Text>
                </Flex>
              </Checkbox>
            ))}
          </Flex>
        </Checkbox.Group>
      )}
      {more ? <Typography.Text type="secondary">{t("more", { n: LIMIT })}</Typography.Text> : null}
      <Typography.Text type="secondary">{t("hint")}</Typography.Text>
    </Flex>
  );
}
