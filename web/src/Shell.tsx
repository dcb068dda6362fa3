// The studio frame: navigation, brand switcher, language switch and account menu.
import {
  AuditOutlined,
  BranchesOutlined,
  BgColorsOutlined,
  ExperimentOutlined,
  FolderOpenOutlined,
  LogoutOutlined,
  SafetyCertificateOutlined,
  TrophyOutlined,
} from "@ant-design/icons";
import { Button, Grid, Layout, Menu, Segmented, Select, Space, Typography } from "antd";
import { type ReactNode } from "react";
import { useLocation, useNavigate } from "react-router";

import { useLang, useT, type Messages } from "./i18n";
import { useSession } from "./session";

const messages: Messages<
  "studio" | "library" | "branches" | "check" | "reviews" | "scorecard" | "brandKit" | "logout" | "brand" | "nav"
> = {
  zh: {
    studio: "创作工作台",
    library: "素材库",
    branches: "分支",
    check: "合规检测",
    reviews: "审核队列",
    scorecard: "代理商评分",
    brandKit: "品牌规范",
    logout: "退出",
    brand: "品牌",
    nav: "主导航",
  },
  en: {
    studio: "Studio",
    library: "Library",
    branches: "Branches",
    check: "Compliance check",
    reviews: "Review queue",
    scorecard: "Agency scorecard",
    brandKit: "Brand kit",
    logout: "Log out",
    brand: "Brand",
    nav: "Main navigation",
  },
};

const ITEMS = [
  { key: "/", icon: <ExperimentOutlined />, label: "studio" },
  { key: "/library", icon: <FolderOpenOutlined />, label: "library" },
  { key: "/branches", icon: <BranchesOutlined />, label: "branches" },
  { key: "/compliance", icon: <SafetyCertificateOutlined />, label: "check" },
  { key: "/reviews", icon: <AuditOutlined />, label: "reviews" },
  { key: "/scorecard", icon: <TrophyOutlined />, label: "scorecard" },
  { key: "/brand-kit", icon: <BgColorsOutlined />, label: "brandKit" },
] as const;

export function Shell({ children }: { children: ReactNode }) {
  const t = useT(messages);
  const { lang, setLang } = useLang();
  const { brands, brandId, setBrandId, logout, me } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const screens = Grid.useBreakpoint();
  const selected = ITEMS.filter((item) => item.key !== "/" && location.pathname.startsWith(item.key)).map((i) => i.key);
  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Layout.Sider breakpoint="lg" collapsedWidth={56} theme="light" width={200}>
        <div style={{ padding: "16px 20px", fontWeight: 700, fontSize: 18, color: "#c2410c" }}>Atelier</div>
        <nav aria-label={t("nav")}>
          <Menu
            mode="inline"
            selectedKeys={selected.length ? selected : ["/"]}
            items={ITEMS.map((item) => ({ key: item.key, icon: item.icon, label: t(item.label) }))}
            onClick={({ key }) => navigate(key)}
          />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{ background: "#fff", display: "flex", alignItems: "center", justifyContent: "flex-end", gap: 12, paddingInline: 16 }}
        >
          <Space size="small">
            <Select
              aria-label={t("brand")}
              data-testid="brand-select"
              style={{ minWidth: screens.lg ? 180 : 130, maxWidth: 240 }}
              value={brandId ?? undefined}
              options={brands.map((brand) => ({ value: brand.id, label: brand.name }))}
              onChange={setBrandId}
            />
            <Segmented
              aria-label="language"
              value={lang}
              options={[
                { value: "zh", label: "中文" },
                { value: "en", label: "EN" },
              ]}
              onChange={(value) => setLang(value as "zh" | "en")}
            />
            {screens.xl && <Typography.Text type="secondary">{me?.display_name ?? me?.principal_id}</Typography.Text>}
            <Button icon={<LogoutOutlined />} onClick={() => void logout()} aria-label={t("logout")} data-testid="logout">
              {screens.lg ? t("logout") : null}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: 16 }}>{children}</Layout.Content>
      </Layout>
    </Layout>
  );
}
