import { ConfigProvider, Spin, theme } from "antd";
import type { Locale } from "antd/es/locale";
import zhCN from "antd/es/locale/zh_CN";
import { Suspense, useEffect, useState, type ComponentType, type ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router";

import { FeedbackProvider } from "./feedback";
import { LangProvider, useLang } from "./i18n";
import { Ready } from "./Ready";
import { loadedPage, pages, ROUTES, type RouteName } from "./routes";
import { SessionProvider, useSession } from "./session";

type ShellType = ComponentType<{ children: ReactNode }>;

/** The class that carries the theme's CSS variables (--ant-*): named, so the app root can carry it too. */
const CSS_VAR_KEY = "css-var-atelier";

function Loading() {
  return (
    <div style={{ display: "grid", placeItems: "center", minHeight: 240 }}>
      <Spin />
    </div>
  );
}

// A chunk that has already arrived (preloaded at startup) renders directly: React.lazy would suspend once
// anyway and React throttles the reveal of suspended content, which costs the first screen ~300 ms a level.
function Page({ name }: { name: RouteName }) {
  const Component = loadedPage(name) ?? pages[name];
  return (
    <Suspense fallback={<Loading />}>
      <Component />
      <Ready name={name} />
    </Suspense>
  );
}

function RequireLogin({ children }: { children: ReactNode }) {
  const { token, loading, brandId } = useSession();
  const location = useLocation();
  if (!token) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  if (loading || !brandId) return <Loading />;
  const Shell = (loadedPage("shell") ?? pages.shell) as ShellType;
  return (
    <Suspense fallback={<Loading />}>
      <Shell>{children}</Shell>
    </Suspense>
  );
}

function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<Page name="login" />} />
      {ROUTES.map(({ path, name }) => (
        <Route
          key={path}
          path={path}
          element={
            <RequireLogin>
              <Page name={name} />
            </RequireLogin>
          }
        />
      ))}
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  );
}

/** English Ant Design strings load only when someone switches to English. */
function useAntLocale(): Locale {
  const { lang } = useLang();
  const [english, setEnglish] = useState<Locale | null>(null);
  useEffect(() => {
    if (lang === "en" && english === null) void import("antd/es/locale/en_US").then((m) => setEnglish(m.default));
  }, [lang, english]);
  return lang === "en" && english ? english : zhCN;
}

/** What antd's <App> root gives every page (base font and colour, the theme's CSS variables), without the
 * message/notification/modal code it carries: those come from FeedbackProvider, after the first screen. */
function AppRoot({ children }: { children: ReactNode }) {
  const { hashId } = theme.useToken();
  return <div className={[hashId, "ant-app", CSS_VAR_KEY].filter(Boolean).join(" ")}>{children}</div>;
}

function Localized({ children }: { children: ReactNode }) {
  const locale = useAntLocale();
  return (
    <ConfigProvider
      locale={locale}
      theme={{ zeroRuntime: true, cssVar: { key: CSS_VAR_KEY }, token: { colorPrimary: "#c2410c", borderRadius: 8, fontFamily: "system-ui, 'Noto Sans CJK SC', sans-serif" } }}
    >
      <AppRoot>
        <FeedbackProvider>{children}</FeedbackProvider>
      </AppRoot>
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


