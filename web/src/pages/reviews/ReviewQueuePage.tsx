import { Typography } from "antd";

export default function ReviewQueuePage() {
  return <Typography.Title level={3}>ReviewQueuePage</Typography.Title>;
}
