// Route chunks, loaded once and shared: the router's lazy pages and the startup preloader use the same promise,
// so the page the user opens starts downloading in parallel with the session check, not after it.
import { lazy, type ComponentType } from "react";

type Module = { default: ComponentType };
type Loader = () => Promise<Module>;

const settled = new Map<Loader, Module>();

function once(loader: Loader): Loader {
  let pending: Promise<Module> | null = null;
  const load: Loader = () =>
    (pending ??= loader().then((module) => {
      settled.set(load, module);
      return module;
    }));
  return load;
}

export const loaders = {
  shell: once(() => import("./Shell").then((module) => ({ default: module.Shell as ComponentType }))),
  login: once(() => import("./pages/Login")),
  studio: once(() => import("./pages/studio/StudioPage")),
  library: once(() => import("./pages/library/LibraryPage")),
  asset: once(() => import("./pages/library/AssetDetailPage")),
  branches: once(() => import("./pages/branches/BranchesPage")),
  compare: once(() => import("./pages/branches/ComparePage")),
  check: once(() => import("./pages/compliance/CheckPage")),
  reviews: once(() => import("./pages/reviews/ReviewQueuePage")),
  review: once(() => import("./pages/reviews/ReviewDetailPage")),
  scorecard: once(() => import("./pages/reviews/ScorecardPage")),
  brandkit: once(() => import("./pages/brandkit/BrandKitPage")),
} satisfies Record<string, Loader>;

export type RouteName = keyof typeof loaders;

/** path pattern → page; order matters (first match wins). */
export const ROUTES: ReadonlyArray<{ path: string; name: Exclude<RouteName, "shell" | "login"> }> = [
  { path: "/", name: "studio" },
  { path: "/library", name: "library" },
  { path: "/library/asset", name: "asset" },
  { path: "/branches", name: "branches" },
  { path: "/branches/compare", name: "compare" },
  { path: "/compliance", name: "check" },
  { path: "/reviews", name: "reviews" },
  { path: "/reviews/:itemId", name: "review" },
  { path: "/scorecard", name: "scorecard" },
  { path: "/brand-kit", name: "brandkit" },
];

/** The page's component if its chunk has arrived (render it at once: no Suspense fallback, no reveal delay). */
export function loadedPage(name: RouteName): ComponentType | null {
  return settled.get(loaders[name])?.default ?? null;
}

export const pages = Object.fromEntries(
  Object.entries(loaders).map(([name, loader]) => [name, lazy(loader)]),
) as Record<RouteName, ReturnType<typeof lazy>>;

function matches(pattern: string, pathname: string): boolean {
  const a = pattern.split("/");
  const b = pathname.replace(/\/+$/, "").split("/");
  if (pattern === "/") return pathname === "/" || pathname === "";
  return a.length === b.length && a.every((part, i) => part.startsWith(":") || part === b[i]);
}

/** Start loading what the first screen needs: the login page, or the shell and the page at `pathname`.
 * The promise settles once that code has arrived (or failed: the router's lazy pages then retry). */
export function preload(pathname: string, loggedIn: boolean): Promise<unknown> {
  if (!loggedIn || pathname === "/login") return Promise.allSettled([loaders.login()]);
  const route = ROUTES.find((candidate) => matches(candidate.path, pathname));
  return Promise.allSettled([loaders.shell(), ...(route ? [loaders[route.name]()] : [])]);
}
