import { Typography } from "antd";

export default function BranchesPage() {
  return <Typography.Title level={3}>BranchesPage</Typography.Title>;
}
