// A preview of an image or video asset at a ref (fetched with the session token), or a quiet placeholder.
import { FileOutlined } from "@ant-design/icons";
import { Flex, Image, Spin, Typography } from "antd";

import { useObjectUrl } from "../../api/useObjectUrl";
import { previewUrl } from "./format";

const PREVIEWED = new Set(["image", "video"]);

interface Props {
  brandId: string;
  path: string;
  ref: string;
  kind: string;
  size?: number;
  alt: string;
}

export function AssetThumb({ brandId, path, ref, kind, size = 160, alt }: Props) {
  const wanted = PREVIEWED.has(kind);
  const { url, error } = useObjectUrl(wanted ? previewUrl(brandId, path, ref, kind === "video" ? "poster" : "thumbnail") : null);
  const box = { width: size, height: size, borderRadius: 8, background: "#f5f5f5" } as const;
  if (!wanted) {
    return (
      <Flex align="center" justify="center" style={box}>
        <FileOutlined style={{ fontSize: 28, color: "#bfbfbf" }} aria-hidden />
      </Flex>
    );
  }
  if (error) {
    return (
      <Flex align="center" justify="center" style={{ ...box, padding: 8 }}>
        <Typography.Text type="danger" style={{ fontSize: 12 }}>
          {error}
        </Typography.Text>
      </Flex>
    );
  }
  if (!url) {
    return (
      <Flex align="center" justify="center" style={box}>
        <Spin size="small" />
      </Flex>
    );
  }
  return <Image src={url} alt={alt} width={size} height={size} style={{ objectFit: "contain", background: "#f5f5f5", borderRadius: 8 }} />;
}
