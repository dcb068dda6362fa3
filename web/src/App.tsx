import { App as AntApp, ConfigProvider, Spin } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import { lazy, Suspense, type ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router";

import { LangProvider, useLang } from "./i18n";
import { Ready } from "./Ready";
import { SessionProvider, useSession } from "./session";
import { Shell } from "./Shell";

const Login = lazy(() => import("./pages/Login"));
const Studio = lazy(() => import("./pages/studio/StudioPage"));
const Library = lazy(() => import("./pages/library/LibraryPage"));
const AssetDetail = lazy(() => import("./pages/library/AssetDetailPage"));
const Branches = lazy(() => import("./pages/branches/BranchesPage"));
const Compare = lazy(() => import("./pages/branches/ComparePage"));
const Check = lazy(() => import("./pages/compliance/CheckPage"));
const Reviews = lazy(() => import("./pages/reviews/ReviewQueuePage"));
const ReviewDetail = lazy(() => import("./pages/reviews/ReviewDetailPage"));
const Scorecard = lazy(() => import("./pages/reviews/ScorecardPage"));
const BrandKit = lazy(() => import("./pages/brandkit/BrandKitPage"));

function Loading() {
  return (
    <div style={{ display: "grid", placeItems: "center", minHeight: 240 }}>
      <Spin />
    </div>
  );
}

function Page({ name, children }: { name: string; children: ReactNode }) {
  return (
    <Suspense fallback={<Loading />}>
      {children}
      <Ready name={name} />
    </Suspense>
  );
}

function RequireLogin({ children }: { children: ReactNode }) {
  const { token, loading, brandId } = useSession();
  const location = useLocation();
  if (!token) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  if (loading || !brandId) return <Loading />;
  return <Shell>{children}</Shell>;
}

function AppRoutes() {
  const guarded = (name: string, element: ReactNode) => (
    <RequireLogin>
      <Page name={name}>{element}</Page>
    </RequireLogin>
  );
  return (
    <Routes>
      <Route
        path="/login"
        element={
          <Page name="login">
            <Login />
          </Page>
        }
      />
      <Route path="/" element={guarded("studio", <Studio />)} />
      <Route path="/library" element={guarded("library", <Library />)} />
      <Route path="/library/asset" element={guarded("asset", <AssetDetail />)} />
      <Route path="/branches" element={guarded("branches", <Branches />)} />
      <Route path="/branches/compare" element={guarded("compare", <Compare />)} />
      <Route path="/compliance" element={guarded("check", <Check />)} />
      <Route path="/reviews" element={guarded("reviews", <Reviews />)} />
      <Route path="/reviews/:itemId" element={guarded("review", <ReviewDetail />)} />
      <Route path="/scorecard" element={guarded("scorecard", <Scorecard />)} />
      <Route path="/brand-kit" element={guarded("brandkit", <BrandKit />)} />
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  );
}

function Localized({ children }: { children: ReactNode }) {
  const { lang } = useLang();
  return (
    <ConfigProvider
      locale={lang === "zh" ? zhCN : enUS}
      theme={{ token: { colorPrimary: "#c2410c", borderRadius: 8, fontFamily: "system-ui, 'Noto Sans CJK SC', sans-serif" } }}
    >
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}

export function App() {
  return (
    <LangProvider>
      <Localized>
        <SessionProvider>
          <BrowserRouter>
            <AppRoutes />
          </BrowserRouter>
        </SessionProvider>
      </Localized>
    </LangProvider>
  );
}
