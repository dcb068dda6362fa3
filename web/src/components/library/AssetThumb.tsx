// A result card's picture: the preview for images and videos (fetched with the session token), the first
// lines of a copy asset, or the kind's icon.
import { PlayCircleFilled } from "@ant-design/icons";
import { Skeleton, Typography } from "antd";
import { useEffect, useState, type CSSProperties } from "react";

import { fetchBlob } from "../../api/client";
import { useObjectUrl } from "../../api/useObjectUrl";
import { kindIcon } from "./labels";

const frame: CSSProperties = {
  position: "relative",
  aspectRatio: "4 / 3",
  background: "#f5f5f4",
  display: "grid",
  placeItems: "center",
  overflow: "hidden",
  borderRadius: "8px 8px 0 0",
};

function CopySnippet({ contentPath }: { contentPath: string }) {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    fetchBlob(contentPath, controller.signal)
      .then((blob) => blob.slice(0, 600).text())
      .then((value) => setText(value))
      .catch(() => !controller.signal.aborted && setText(""));
    return () => controller.abort();
  }, [contentPath]);
  if (text === null) return <Skeleton active paragraph={{ rows: 3 }} title={false} style={{ padding: 16 }} />;
  return (
    <Typography.Paragraph
      ellipsis={{ rows: 5 }}
      style={{ margin: 0, padding: "12px 16px", alignSelf: "start", fontSize: 13, color: "#44403c" }}
    >
      {text || "…"}
    </Typography.Paragraph>
  );
}

export function AssetThumb({
  kind,
  previewPath,
  contentPath,
  alt,
}: {
  kind: string;
  previewPath?: string | null;
  contentPath?: string | null;
  alt: string;
}) {
  const { url, error } = useObjectUrl(previewPath ?? null);
  let body;
  if (previewPath && !error) {
    body = url ? (
      <img src={url} alt={alt} loading="lazy" style={{ width: "100%", height: "100%", objectFit: "cover" }} />
    ) : (
      <Skeleton.Image active style={{ width: "100%", height: "100%" }} />
    );
  } else if (kind === "copy" && contentPath) {
    body = <CopySnippet contentPath={contentPath} />;
  } else {
    body = <span style={{ fontSize: 40, color: "#a8a29e" }}>{kindIcon(kind)}</span>;
  }
  return (
    <div style={frame}>
      {body}
      {kind === "video" && url ? (
        <PlayCircleFilled style={{ position: "absolute", fontSize: 36, color: "rgba(255,255,255,0.9)" }} />
      ) : null}
    </div>
  );
}
