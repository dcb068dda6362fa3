// What a variant shows: the poster rendition (thumbnail, large view), the video (cover, then the player
// on demand) and the copy (title, body, hashtags, or the edited text).
import { PlayCircleOutlined } from "@ant-design/icons";
import { Alert, Button, Flex, Modal, Skeleton, Spin, Tag, Typography } from "antd";
import { useState } from "react";

import { useObjectUrl } from "../../api/useObjectUrl";
import { useT, type Messages } from "../../i18n";
import { useBrandId } from "../../session";
import { previewPath, rawPath } from "./assets";
import type { Variant } from "./model";

const messages: Messages<"play" | "seconds"> = {
  zh: { play: "播放", seconds: "{n} 秒" },
  en: { play: "Play", seconds: "{n} s" },
};

export function Poster({ path, at, width, height }: { path: string; at: string; width: number; height: number }) {
  const brandId = useBrandId();
  const { url, error } = useObjectUrl(previewPath(brandId, path, at));
  if (error) return <Alert type="error" showIcon title={error} />;
  return (
    <div style={{ aspectRatio: `${width} / ${height}`, maxHeight: 360, margin: "0 auto", background: "#fafafa", borderRadius: 8, overflow: "hidden" }}>
      {url ? (
        <img src={url} alt="" style={{ width: "100%", height: "100%", objectFit: "contain" }} data-testid="variant-poster" />
      ) : (
        <Skeleton.Image active style={{ width: "100%", height: "100%" }} />
      )}
    </div>
  );
}

export function LargePoster({ path, at, onClose }: { path: string; at: string; onClose: () => void }) {
  const brandId = useBrandId();
  const { url, error } = useObjectUrl(rawPath(brandId, path, at));
  return (
    <Modal open footer={null} onCancel={onClose} width={720} centered>
      {error ? <Alert type="error" showIcon title={error} /> : null}
      {url ? <img src={url} alt="" style={{ width: "100%" }} /> : <Spin />}
    </Modal>
  );
}

export function Video({ path, cover, at, duration }: { path: string; cover: string; at: string; duration: number }) {
  const t = useT(messages);
  const brandId = useBrandId();
  const [playing, setPlaying] = useState(false);
  const poster = useObjectUrl(previewPath(brandId, cover, at));
  const video = useObjectUrl(playing ? rawPath(brandId, path, at) : null);
  if (video.error || poster.error) return <Alert type="error" showIcon title={video.error ?? poster.error} />;
  return (
    <div style={{ position: "relative", background: "#111", borderRadius: 8, overflow: "hidden", minHeight: 200, display: "flex", justifyContent: "center" }}>
      {playing && video.url ? (
        <video src={video.url} poster={poster.url ?? undefined} controls autoPlay style={{ width: "100%", maxHeight: 360 }} data-testid="variant-video" />
      ) : (
        <>
          {poster.url ? <img src={poster.url} alt="" style={{ maxWidth: "100%", maxHeight: 360, objectFit: "contain" }} /> : null}
          <Button
            shape="round"
            icon={<PlayCircleOutlined />}
            loading={playing && !video.url}
            onClick={() => setPlaying(true)}
            style={{ position: "absolute", left: "50%", top: "50%", transform: "translate(-50%, -50%)" }}
            data-testid="variant-play"
          >
            {t("play")} · {t("seconds", { n: Math.round(duration) })}
          </Button>
        </>
      )}
    </div>
  );
}

function Hashtags({ tags }: { tags: string[] }) {
  return (
    <Flex wrap gap={4}>
      {tags.map((tag) => (
        <Tag key={tag} variant="filled" color="orange">
          #{tag.replace(/^#/, "")}
        </Tag>
      ))}
    </Flex>
  );
}

export function CopyView({ variant, edit }: { variant: Variant; edit?: { text: string } }) {
  const copy = variant.copy;
  if (!copy) return null;
  if (edit) {
    return (
      <Typography.Paragraph style={{ whiteSpace: "pre-wrap", marginBottom: 0 }} ellipsis={{ rows: 8, expandable: "collapsible" }} data-testid="variant-copy">
        {edit.text}
      </Typography.Paragraph>
    );
  }
  const fields = copy.fields;
  const title = [fields.title, fields.headline, fields.slogan].find((v): v is string => typeof v === "string");
  const hashtags = Array.isArray(fields.hashtags) ? fields.hashtags : [];
  const body = hashtags.length ? copy.text.replace(/\n#[^\n]*$/, "") : copy.text;
  const text = title && body.startsWith(title) ? body.slice(title.length).trim() : body;
  return (
    <Flex vertical gap={6} data-testid="variant-copy">
      {title ? <Typography.Text strong>{title}</Typography.Text> : null}
      <Typography.Paragraph style={{ whiteSpace: "pre-wrap", marginBottom: 0 }} ellipsis={{ rows: 6, expandable: "collapsible" }}>
        {text}
      </Typography.Paragraph>
      {hashtags.length ? <Hashtags tags={hashtags} /> : null}
    </Flex>
  );
}
