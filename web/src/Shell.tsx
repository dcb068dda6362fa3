// The studio frame: navigation, brand switcher, language switch and account menu. The frame is on every
// first screen, so its navigation is a list of links and its brand switcher a native <select>, both styled
// like antd's Menu and Select (src/light-controls.css) without their runtime.
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
import { Button, Grid, Layout, Segmented, Space, Typography } from "antd";
import { type ReactNode } from "react";
import { Link, useLocation } from "react-router";

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
  { key: "/", icon: <ExperimentOutlined aria-hidden />, label: "studio" },
  { key: "/library", icon: <FolderOpenOutlined aria-hidden />, label: "library" },
  { key: "/branches", icon: <BranchesOutlined aria-hidden />, label: "branches" },
  { key: "/compliance", icon: <SafetyCertificateOutlined aria-hidden />, label: "check" },
  { key: "/reviews", icon: <AuditOutlined aria-hidden />, label: "reviews" },
  { key: "/scorecard", icon: <TrophyOutlined aria-hidden />, label: "scorecard" },
  { key: "/brand-kit", icon: <BgColorsOutlined aria-hidden />, label: "brandKit" },
] as const;

export function Shell({ children }: { children: ReactNode }) {
  const t = useT(messages);
  const { lang, setLang } = useLang();
  const { brands, brandId, setBrandId, logout, me } = useSession();
  const location = useLocation();
  const screens = Grid.useBreakpoint();
  const active = ITEMS.find((item) => item.key !== "/" && location.pathname.startsWith(item.key))?.key ?? "/";
  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Layout.Sider breakpoint="lg" collapsedWidth={56} theme="light" width={200}>
        <div style={{ padding: "16px 20px", fontWeight: 700, fontSize: 18, color: "#c2410c" }}>Atelier</div>
        <nav aria-label={t("nav")} className="lc-nav">
          <ul>
            {ITEMS.map((item) => {
              const label = t(item.label);
              const current = item.key === active;
              return (
                <li key={item.key}>
                  <Link to={item.key} className="lc-nav-item" aria-current={current ? "page" : undefined} title={label}>
                    {item.icon}
                    <span className="lc-nav-label">{label}</span>
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{ background: "#fff", display: "flex", alignItems: "center", justifyContent: "flex-end", gap: 12, paddingInline: 16 }}
        >
          <Space size="small">
            <select
              className="lc-select"
              aria-label={t("brand")}
              data-testid="brand-select"
              style={{ minWidth: screens.lg ? 180 : 130, maxWidth: 240 }}
              value={brandId ?? ""}
              onChange={(event) => setBrandId(event.target.value)}
            >
              {brands.map((brand) => (
                <option key={brand.id} value={brand.id}>
                  {brand.name}
                </option>
              ))}
            </select>
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
