// One filtered view of the review queue: first page, "load more", in-place updates, and polling of items
// whose AI check is still running.
import { useCallback, useEffect, useRef, useState } from "react";

import { api, call } from "../../api/client";
import type { ReviewItem, ReviewLevel, ReviewState } from "./model";

export interface ReviewQuery {
  brand_id: string;
  state?: ReviewState[];
  level?: ReviewLevel;
  assignee?: string;
  overdue?: boolean;
  branch?: string;
  path_prefix?: string;
}

const PAGE_SIZE = 50;
const POLL_MS = 2500;

export function useReviewList(query: ReviewQuery) {
  const [items, setItems] = useState<ReviewItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const key = JSON.stringify(query);
  const generation = useRef(0);
  const extended = useRef(false);

  const fetchPage = useCallback(
    (after: string | null) => {
      const parsed = JSON.parse(key) as ReviewQuery;
      return call(
        api.GET("/v1/reviews", {
          params: { query: { ...parsed, state: parsed.state?.length ? parsed.state : undefined, limit: PAGE_SIZE, cursor: after } },
        }),
      );
    },
    [key],
  );

  const reload = useCallback(async () => {
    const mine = (generation.current += 1);
    extended.current = false;
    setLoading(true);
    setError(null);
    try {
      const page = await fetchPage(null);
      if (mine !== generation.current) return;
      setItems(page.items);
      setCursor(page.next_cursor ?? null);
    } catch (caught) {
      if (mine === generation.current) {
        setItems([]);
        setCursor(null);
        setError(caught);
      }
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [fetchPage]);

  const loadMore = useCallback(async () => {
    if (!cursor) return;
    const mine = generation.current;
    setLoadingMore(true);
    try {
      const page = await fetchPage(cursor);
      if (mine !== generation.current) return;
      extended.current = true;
      setItems((current) => [...current, ...page.items]);
      setCursor(page.next_cursor ?? null);
    } catch (caught) {
      setError(caught);
    } finally {
      setLoadingMore(false);
    }
  }, [cursor, fetchPage]);

  /** Refetch the first page without a spinner (new arrivals); skipped once more pages were loaded. */
  const refresh = useCallback(async () => {
    const mine = generation.current;
    if (extended.current) return;
    try {
      const page = await fetchPage(null);
      if (mine !== generation.current || extended.current) return;
      setItems(page.items);
      setCursor(page.next_cursor ?? null);
      setError(null);
    } catch (caught) {
      if (mine === generation.current) setError(caught); // what is shown stays; the error says it may be stale
    }
  }, [fetchPage]);

  const replace = useCallback((updated: ReviewItem) => {
    setItems((current) => current.map((item) => (item.id === updated.id ? updated : item)));
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  const checking = items.filter((item) => item.state === "submitted").map((item) => item.id).join(",");
  useEffect(() => {
    if (!checking) return undefined;
    const timer = window.setInterval(() => {
      for (const id of checking.split(",")) {
        call(api.GET("/v1/reviews/{item_id}", { params: { path: { item_id: id } } }))
          .then((fresh) => fresh.state !== "submitted" && replace(fresh))
          .catch((caught: unknown) => setError(caught));
      }
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [checking, replace]);

  return { items, loading, loadingMore, error, hasMore: cursor !== null, reload, refresh, loadMore, replace };
}
