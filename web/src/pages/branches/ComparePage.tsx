import { Typography } from "antd";

export default function ComparePage() {
  return <Typography.Title level={3}>ComparePage</Typography.Title>;
}
