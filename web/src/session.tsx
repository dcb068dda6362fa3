// Who is logged in, which brand they work on, and logging out (token kept in localStorage).
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

import { api, call, getToken, onUnauthorized, setToken, type Schemas } from "./api/client";

export type Me = Schemas["CallerPublic"];
export type Brand = Schemas["BrandPublic"];

const BRAND_KEY = "atelier.brand";

interface SessionState {
  token: string | null;
  me: Me | null;
  brands: Brand[];
  brandId: string | null;
  loading: boolean;
  setBrandId: (brandId: string) => void;
  login: (email: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
  /** Roles the caller holds on the current brand (e.g. "brand_admin", "agency_reviewer"). */
  roles: string[];
}

const SessionContext = createContext<SessionState | null>(null);

type SessionData = [Me, { items: Brand[] }];
/** The startup requests for `token`; `value` once they have answered. */
let prefetched: { token: string; data: Promise<SessionData>; value?: SessionData } | null = null;

function loadSession(): Promise<SessionData> {
  return Promise.all([call(api.GET("/v1/me")), call(api.GET("/v1/brands", { params: { query: { limit: 200 } } }))]);
}

declare global {
  interface Window {
    /** Started by the inline script in index.html (scripts/route-preload.mjs) before the app loads. */
    __atelierSession?: { token: string; data: Promise<SessionData> };
  }
}

/** Start fetching who is logged in and their brands (called at startup, before React renders); reuses the
 * requests index.html already started for this token. Settles (never rejects) once they have answered. */
export function prefetchSession(): Promise<void> {
  const token = getToken();
  if (!token) return Promise.resolve();
  const early = window.__atelierSession;
  const entry: NonNullable<typeof prefetched> = { token, data: early?.token === token ? early.data : loadSession() };
  prefetched = entry;
  return entry.data.then(
    (value) => {
      entry.value = value;
    },
    () => undefined,
  );
}

/** The startup answer for `token` if it has already arrived: the first render can show the page at once. */
function arrivedSession(token: string | null): SessionData | null {
  return token !== null && prefetched?.token === token ? (prefetched.value ?? null) : null;
}

function sessionFor(token: string): Promise<SessionData> {
  const reuse = prefetched?.token === token ? prefetched.data : null;
  prefetched = null;
  return reuse ?? loadSession();
}

/** The brand to work on: the one kept from last time if the caller still has it, else their first. */
function pickBrand(current: string | null, brands: Brand[]): string | null {
  const keep = current && brands.some((brand) => brand.id === current);
  return keep ? current : (brands[0]?.id ?? null);
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [token, setTokenState] = useState<string | null>(() => getToken());
  const [arrived] = useState(() => arrivedSession(token));
  const [me, setMe] = useState<Me | null>(arrived?.[0] ?? null);
  const [brands, setBrands] = useState<Brand[]>(arrived?.[1].items ?? []);
  const [brandId, setBrandIdState] = useState<string | null>(() => {
    const kept = localStorage.getItem(BRAND_KEY);
    return arrived ? pickBrand(kept, arrived[1].items) : kept;
  });
  const [loading, setLoading] = useState<boolean>(() => token !== null && arrived === null);
  // the token whose session is already in state (from the startup requests): no second fetch for it
  const loadedFor = useRef<string | null>(arrived ? token : null);

  const clear = useCallback(() => {
    loadedFor.current = null;
    setToken(null);
    setTokenState(null);
    setMe(null);
    setBrands([]);
    setLoading(false);
  }, []);

  useEffect(() => onUnauthorized(clear), [clear]);

  useEffect(() => {
    if (!token || loadedFor.current === token) return;
    let live = true;
    setLoading(true);
    sessionFor(token)
      .then(([caller, page]) => {
        if (!live) return;
        loadedFor.current = token;
        setMe(caller);
        setBrands(page.items);
        setBrandIdState((current) => pickBrand(current, page.items));
      })
      .catch(() => live && clear())
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [token, clear]);

  const setBrandId = useCallback((next: string) => {
    localStorage.setItem(BRAND_KEY, next);
    setBrandIdState(next);
  }, []);

  const login = useCallback(async (email: string, password: string) => {
    const session = await call(api.POST("/v1/auth/sessions", { body: { email, password } }));
    setToken(session.token);
    setTokenState(session.token);
  }, []);

  const logout = useCallback(async () => {
    try {
      await call(api.DELETE("/v1/auth/sessions/current"));
    } finally {
      clear();
    }
  }, [clear]);

  const roles = useMemo(
    () =>
      (me?.grants ?? [])
        .filter((grant) => !grant.brand_id || grant.brand_id === brandId)
        .map((grant) => grant.role),
    [me, brandId],
  );

  const value = useMemo(
    () => ({ token, me, brands, brandId, loading, setBrandId, login, logout, roles }),
    [token, me, brands, brandId, loading, setBrandId, login, logout, roles],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error("useSession outside SessionProvider");
  return state;
}

/** The current brand id; pages under the layout are only shown once one is chosen. */
export function useBrandId(): string {
  const { brandId } = useSession();
  if (!brandId) throw new Error("no brand selected");
  return brandId;
}
