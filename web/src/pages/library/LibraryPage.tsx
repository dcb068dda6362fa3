import { Typography } from "antd";

export default function LibraryPage() {
  return <Typography.Title level={3}>LibraryPage</Typography.Title>;
}
