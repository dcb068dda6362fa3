import { Typography } from "antd";

export default function AssetDetailPage() {
  return <Typography.Title level={3}>AssetDetailPage</Typography.Title>;
}
