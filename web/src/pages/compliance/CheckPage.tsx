import { Typography } from "antd";

export default function CheckPage() {
  return <Typography.Title level={3}>CheckPage</Typography.Title>;
}
