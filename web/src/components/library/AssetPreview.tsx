// The asset itself, as large as the page allows: an image, a video or audio player, or the copy's text.
import { Alert, Empty, Skeleton, Typography } from "antd";
import { useEffect, useState, type CSSProperties } from "react";

import { fetchBlob, type Schemas } from "../../api/client";
import { useObjectUrl } from "../../api/useObjectUrl";
import { useT, type Messages } from "../../i18n";
import { assetApiPath, errorText, kindIcon } from "./labels";

type Asset = Schemas["AssetPublic"];

const messages: Messages<"noPreview" | "loadError" | "video" | "audio"> = {
  zh: { noPreview: "这种素材无法在浏览器中预览，请下载查看", loadError: "预览加载失败：{error}", video: "视频预览", audio: "音频预览" },
  en: { noPreview: "This kind of asset cannot be previewed here; download it", loadError: "Preview failed: {error}", video: "Video preview", audio: "Audio preview" },
};

const stage: CSSProperties = {
  background: "#f5f5f4",
  borderRadius: 8,
  minHeight: 280,
  display: "grid",
  placeItems: "center",
  overflow: "hidden",
};

/** A presigned content link of the local object store works on this origin whatever host it names. */
function sameOrigin(link: string | undefined): string | null {
  if (!link) return null;
  try {
    const url = new URL(link, window.location.origin);
    return url.pathname.startsWith("/v1/objects/signed/") ? `${url.pathname}${url.search}` : url.toString();
  } catch {
    return null;
  }
}

function CopyText({ path }: { path: string }) {
  const t = useT(messages);
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const controller = new AbortController();
    setText(null);
    fetchBlob(path, controller.signal)
      .then((blob) => blob.text())
      .then(setText)
      .catch((reason: unknown) => !controller.signal.aborted && setError(reason));
    return () => controller.abort();
  }, [path]);
  if (error) return <Alert type="error" showIcon title={t("loadError", { error: errorText(error) })} />;
  if (text === null) return <Skeleton active paragraph={{ rows: 6 }} />;
  return (
    <Typography.Paragraph
      copyable={{ text }}
      data-testid="asset-copy-text"
      style={{ whiteSpace: "pre-wrap", fontSize: 16, lineHeight: 1.8, background: "#fafaf9", padding: 20, borderRadius: 8, margin: 0 }}
    >
      {text}
    </Typography.Paragraph>
  );
}

export function AssetPreview({ brandId, asset, at }: { brandId: string; asset: Asset; at: string }) {
  const t = useT(messages);
  const raw = assetApiPath(brandId, asset.path, at, "raw");
  const isImage = asset.kind === "image";
  const isAudio = asset.kind === "audio";
  const hasPoster = (asset.previews ?? []).some((preview) => preview.role === "poster");
  const media = useObjectUrl(isImage || isAudio ? raw : null);
  const poster = useObjectUrl(asset.kind === "video" && hasPoster ? `${assetApiPath(brandId, asset.path, at, "preview")}&role=poster` : null);
  const error = media.error;

  if (asset.kind === "copy") return <CopyText path={raw} />;
  if (error) return <Alert type="error" showIcon title={t("loadError", { error })} />;
  if (isImage) {
    return (
      <div style={stage}>
        {media.url ? (
          <img src={media.url} alt={asset.path} data-testid="asset-image" style={{ maxWidth: "100%", maxHeight: "70vh", objectFit: "contain" }} />
        ) : (
          <Skeleton.Image active style={{ width: 320, height: 240 }} />
        )}
      </div>
    );
  }
  if (asset.kind === "video") {
    const source = sameOrigin(asset.links?.content);
    return (
      <div style={{ ...stage, background: "#000" }}>
        {source ? (
          <video
            controls
            preload="metadata"
            src={source}
            poster={poster.url ?? undefined}
            aria-label={t("video")}
            data-testid="asset-video"
            style={{ maxWidth: "100%", maxHeight: "70vh" }}
          />
        ) : (
          <Skeleton.Node active style={{ width: 320, height: 180 }} />
        )}
      </div>
    );
  }
  if (isAudio) {
    return (
      <div style={{ ...stage, minHeight: 160 }}>
        {media.url ? (
          <audio controls src={media.url} aria-label={t("audio")} data-testid="asset-audio" style={{ width: "90%" }} />
        ) : (
          <Skeleton.Input active />
        )}
      </div>
    );
  }
  return (
    <div style={stage}>
      <Empty image={<span style={{ fontSize: 56, color: "#a8a29e" }}>{kindIcon(asset.kind)}</span>} description={t("noPreview")} />
    </div>
  );
}
