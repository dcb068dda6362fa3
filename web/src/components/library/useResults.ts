// The library's results: a search (text, image, or both) when there is a query, else the branch's assets
// newest first; both narrowed by the same filters and paged with "load more".
import { useCallback, useEffect, useRef, useState } from "react";

import { api, call, type Schemas } from "../../api/client";
import type { Hit } from "./AssetCard";
import type { LibraryFilters } from "./Filters";

export const PAGE_SIZE = 24;

type Kind = Schemas["AssetKind"];

export interface ResultsQuery {
  brandId: string;
  branch: string;
  text: string;
  /** Path of an asset on the branch to find images like ("more like this"). */
  like: string | null;
  /** An uploaded image (data URL, at most ~1 MB) to find images like. */
  image: string | null;
  filters: LibraryFilters;
}

export interface Results {
  hits: Hit[];
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  nextCursor: string | null;
  tookMs: number | null;
  searching: boolean;
  loadMore: () => void;
  reload: () => void;
  replaceHit: (path: string, patch: Partial<Hit>) => void;
}

async function fetchPage(query: ResultsQuery, cursor: string | null): Promise<{ hits: Hit[]; next: string | null; took: number | null }> {
  const { brandId, branch, text, like, image, filters } = query;
  const kinds = filters.kinds.length ? (filters.kinds as Kind[]) : null;
  const licence = filters.licence ? filters.licence === "valid" : null;
  if (text.trim() || like || image) {
    const result = await call(
      api.POST("/v1/search", {
        body: {
          brand_id: brandId,
          branch,
          query: text.trim() || null,
          image: like ? { branch, path: like } : image,
          kinds,
          tags_all: filters.tags,
          tags_any: [],
          campaign: filters.campaign ?? null,
          licence_valid: licence,
          compliance_status: filters.status ?? null,
          limit: PAGE_SIZE,
          cursor,
        },
      }),
    );
    return { hits: result.hits, next: result.next_cursor ?? null, took: result.took_ms };
  }
  const page = await call(
    api.GET("/v1/brands/{brand_id}/library", {
      params: {
        path: { brand_id: brandId },
        query: {
          branch,
          kind: kinds,
          tag: filters.tags.length ? filters.tags : null,
          campaign: filters.campaign ?? null,
          platform: filters.platform ?? null,
          licence_valid: licence,
          compliance_status: filters.status ?? null,
          limit: PAGE_SIZE,
          cursor,
        },
      },
    }),
  );
  return { hits: page.hits, next: page.next_cursor ?? null, took: null };
}

export function useResults(query: ResultsQuery): Results {
  const [hits, setHits] = useState<Hit[]>([]);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [tookMs, setTookMs] = useState<number | null>(null);
  const [round, setRound] = useState(0);
  const current = useRef(query);
  current.current = query;
  // the image is up to a megabyte of base64: its length and tail tell images apart cheaply
  const key = JSON.stringify({ ...query, image: query.image ? `${query.image.length}:${query.image.slice(-64)}` : null });
  const searching = Boolean(query.text.trim() || query.like || query.image);

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    fetchPage(current.current, null)
      .then((page) => {
        if (!live) return;
        setHits(page.hits);
        setNextCursor(page.next);
        setTookMs(page.took);
      })
      .catch((reason: unknown) => {
        if (!live) return;
        setHits([]);
        setNextCursor(null);
        setError(reason);
      })
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [key, round]);

  const loadMore = useCallback(() => {
    if (!nextCursor) return;
    setLoadingMore(true);
    fetchPage(current.current, nextCursor)
      .then((page) => {
        setHits((existing) => {
          const seen = new Set(existing.map((hit) => hit.path));
          return [...existing, ...page.hits.filter((hit) => !seen.has(hit.path))];
        });
        setNextCursor(page.next);
      })
      .catch((reason: unknown) => setError(reason))
      .finally(() => setLoadingMore(false));
  }, [nextCursor]);

  const reload = useCallback(() => setRound((value) => value + 1), []);
  const replaceHit = useCallback(
    (path: string, patch: Partial<Hit>) =>
      setHits((existing) => existing.map((hit) => (hit.path === path ? { ...hit, ...patch } : hit))),
    [],
  );
  return { hits, loading, loadingMore, error, nextCursor, tookMs, searching, loadMore, reload, replaceHit };
}
