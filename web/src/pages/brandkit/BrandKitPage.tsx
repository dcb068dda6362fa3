import { Typography } from "antd";

export default function BrandKitPage() {
  return <Typography.Title level={3}>BrandKitPage</Typography.Title>;
}
