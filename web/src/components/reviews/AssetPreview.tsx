// The exact version under review: copy with findings highlighted, an image with finding boxes, or a video
// that jumps to a finding's time.
import { Alert, Empty, Skeleton, Tooltip, Typography } from "antd";
import { useEffect, useRef, useState, type CSSProperties } from "react";

import { fetchBlob } from "../../api/client";
import { useObjectUrl } from "../../api/useObjectUrl";
import { errorText, highlightSegments, previewPath, rawPath, type Finding, type ReviewItem } from "./model";

const MARK: Record<Finding["severity"], CSSProperties> = {
  block: { background: "#fee2e2", borderBottom: "2px solid #dc2626" },
  warn: { background: "#fef3c7", borderBottom: "2px solid #d97706" },
  info: { background: "#dbeafe", borderBottom: "2px solid #2563eb" },
};
const STROKE: Record<Finding["severity"], string> = { block: "#dc2626", warn: "#d97706", info: "#2563eb" };
const FRAME: CSSProperties = { background: "#faf7f5", borderRadius: 8, padding: 12 };

export interface AssetPreviewProps {
  item: ReviewItem;
  findings: Finding[];
  active: number | null;
  onSelect: (index: number) => void;
  /** Asks a video to jump to this time (seconds); changes with each request. */
  seek?: { at: number; nonce: number } | null;
}

function CopyPreview({ item, findings, active, onSelect }: AssetPreviewProps) {
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const path = rawPath(item);
  useEffect(() => {
    const controller = new AbortController();
    setText(null);
    setError(null);
    fetchBlob(path, controller.signal)
      .then((blob) => blob.text())
      .then(setText)
      .catch((caught: unknown) => !controller.signal.aborted && setError(errorText(caught)));
    return () => controller.abort();
  }, [path]);
  if (error) return <Alert type="error" showIcon title={error} role="alert" />;
  if (text === null) return <Skeleton active paragraph={{ rows: 3 }} />;
  return (
    <div style={{ ...FRAME, fontSize: 16, lineHeight: 1.9, whiteSpace: "pre-wrap" }} data-testid="review-copy">
      {highlightSegments(text, findings).map((segment, i) => {
        const [first] = segment.findings;
        if (!first) return <span key={i}>{segment.text}</span>;
        const excused = segment.findings.every((finding) => finding.excused_by);
        const style: CSSProperties = excused
          ? { background: "#f1f5f9", textDecoration: "line-through", color: "#64748b" }
          : { ...MARK[first.severity], outline: segment.findings.some((f) => f.index === active) ? "2px solid #c2410c" : undefined };
        return (
          <Tooltip key={i} title={segment.findings.map((finding) => finding.message || finding.category).join("；")}>
            <mark
              role="button"
              tabIndex={0}
              data-finding-index={first.index}
              style={{ ...style, color: style.color ?? "inherit", borderRadius: 3, padding: "1px 1px", cursor: "pointer" }}
              onClick={() => onSelect(first.index)}
              onKeyDown={(event) => (event.key === "Enter" || event.key === " ") && onSelect(first.index)}
            >
              {segment.text}
            </mark>
          </Tooltip>
        );
      })}
    </div>
  );
}

function ImagePreview({ item, findings, active, onSelect }: AssetPreviewProps) {
  const { url, error } = useObjectUrl(rawPath(item));
  const [size, setSize] = useState<{ w: number; h: number } | null>(null);
  const boxed = findings.filter((finding) => finding.box);
  if (error) return <Alert type="error" showIcon title={error} role="alert" />;
  if (!url) return <Skeleton.Image active style={{ width: 320, height: 220 }} />;
  return (
    <div style={{ ...FRAME, display: "grid", placeItems: "center" }}>
      <div style={{ position: "relative", display: "inline-block", maxWidth: "100%" }}>
        <img
          src={url}
          alt={item.path}
          data-testid="review-image"
          style={{ display: "block", maxWidth: "100%", maxHeight: 560, borderRadius: 4 }}
          onLoad={(event) => setSize({ w: event.currentTarget.naturalWidth, h: event.currentTarget.naturalHeight })}
        />
        {size && boxed.length > 0 && (
          <svg
            viewBox={`0 0 ${size.w} ${size.h}`}
            preserveAspectRatio="none"
            style={{ position: "absolute", inset: 0, width: "100%", height: "100%" }}
          >
            {boxed.map((finding) => (
              <polygon
                key={finding.index}
                role="button"
                aria-label={`${finding.category} ${finding.matched}`}
                data-finding-index={finding.index}
                points={(finding.box ?? []).map(([x, y]) => `${x},${y}`).join(" ")}
                fill={finding.index === active ? "rgba(194,65,12,0.18)" : "rgba(255,255,255,0.05)"}
                stroke={finding.excused_by ? "#94a3b8" : STROKE[finding.severity]}
                strokeWidth={Math.max(size.w, size.h) / 240}
                strokeDasharray={finding.excused_by ? "8 6" : undefined}
                style={{ cursor: "pointer" }}
                tabIndex={0}
                onClick={() => onSelect(finding.index)}
                onKeyDown={(event) => (event.key === "Enter" || event.key === " ") && onSelect(finding.index)}
              />
            ))}
          </svg>
        )}
      </div>
    </div>
  );
}

function VideoPreview({ item, seek }: AssetPreviewProps) {
  const { url, error } = useObjectUrl(rawPath(item));
  const poster = useObjectUrl(previewPath(item, "poster"));
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (seek && video.current) {
      video.current.currentTime = seek.at;
      void video.current.play().catch(() => undefined);
    }
  }, [seek]);
  if (error) return <Alert type="error" showIcon title={error} role="alert" />;
  if (!url) return <Skeleton.Node active style={{ width: 320, height: 180 }} />;
  return (
    <div style={FRAME}>
      <video
        ref={video}
        src={url}
        poster={poster.url ?? undefined}
        controls
        data-testid="review-video"
        style={{ width: "100%", maxHeight: 520, borderRadius: 4, background: "#000" }}
      />
    </div>
  );
}

export function AssetPreview(props: AssetPreviewProps) {
  const kind = props.item.asset_kind;
  if (kind === "copy") return <CopyPreview {...props} />;
  if (kind === "image") return <ImagePreview {...props} />;
  if (kind === "video") return <VideoPreview {...props} />;
  return (
    <Empty description={<Typography.Text type="secondary">{kind}</Typography.Text>} image={Empty.PRESENTED_IMAGE_SIMPLE} />
  );
}
