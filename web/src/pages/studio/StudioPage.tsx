import { Typography } from "antd";

export default function StudioPage() {
  return <Typography.Title level={3}>StudioPage</Typography.Title>;
}
