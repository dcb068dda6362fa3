// A small preview of the reviewed version: the image/video thumbnail, or an icon for copy and other kinds.
import { FileImageOutlined, FileTextOutlined, PlaySquareOutlined } from "@ant-design/icons";
import { Tooltip } from "antd";

import { useObjectUrl } from "../../api/useObjectUrl";
import { previewPath, type ReviewItem } from "./model";

const BOX = {
  width: 64,
  height: 48,
  borderRadius: 6,
  background: "#f5f0ec",
  display: "grid",
  placeItems: "center",
  overflow: "hidden",
  flex: "none",
  color: "#9a3412",
  fontSize: 20,
} as const;

export function ReviewThumb({ item, size = 1 }: { item: ReviewItem; size?: number }) {
  const { url, error } = useObjectUrl(previewPath(item));
  const style = { ...BOX, width: BOX.width * size, height: BOX.height * size };
  if (url) {
    return (
      <div style={style}>
        <img src={url} alt={item.path} style={{ width: "100%", height: "100%", objectFit: "cover" }} />
      </div>
    );
  }
  const icon =
    item.asset_kind === "video" ? (
      <PlaySquareOutlined />
    ) : item.asset_kind === "image" ? (
      <FileImageOutlined />
    ) : (
      <FileTextOutlined />
    );
  return (
    <Tooltip title={error ?? item.asset_kind}>
      <div style={style} aria-label={item.asset_kind} role="img">
        {icon}
      </div>
    </Tooltip>
  );
}
