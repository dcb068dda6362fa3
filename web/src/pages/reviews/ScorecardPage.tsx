import { Typography } from "antd";

export default function ScorecardPage() {
  return <Typography.Title level={3}>ScorecardPage</Typography.Title>;
}
