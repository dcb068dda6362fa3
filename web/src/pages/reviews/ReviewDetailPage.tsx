import { Typography } from "antd";

export default function ReviewDetailPage() {
  return <Typography.Title level={3}>ReviewDetailPage</Typography.Title>;
}
