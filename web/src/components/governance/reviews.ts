// Review states of the versions on a branch, to say which changes the merge gate will let through.
import { useCallback, useEffect, useState } from "react";

import { api, call, type Schemas } from "../../api/client";
import { errorText } from "./format";

export type ReviewItem = Schemas["ReviewItemPublic"];
export type ReviewState = ReviewItem["state"];

const RANK: Record<string, number> = {
  brand_approved: 6,
  agency_approved: 5,
  ai_checked: 4,
  submitted: 3,
  changes_requested: 2,
  agency_rejected: 1,
  brand_rejected: 1,
  withdrawn: 0,
};

export const OPEN_STATES: ReadonlySet<string> = new Set(["submitted", "ai_checked", "agency_approved"]);

/** The review item that speaks for `path` at `blob` (the most advanced one), or undefined. */
export function reviewFor(items: Map<string, ReviewItem[]>, path: string, blob: string | null | undefined): ReviewItem | undefined {
  const mine = (items.get(path) ?? []).filter((item) => !blob || item.blob === blob);
  return mine.sort((a, b) => (RANK[b.state] ?? 0) - (RANK[a.state] ?? 0))[0];
}

/** Review items of a branch, by path (up to 1000). */
export function useBranchReviews(
  brandId: string,
  branch: string | null,
): { items: Map<string, ReviewItem[]>; loading: boolean; error: string | null; reload: () => void } {
  const [items, setItems] = useState<Map<string, ReviewItem[]>>(new Map());
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!branch) {
      setItems(new Map());
      return undefined;
    }
    let live = true;
    setLoading(true);
    setError(null);
    (async () => {
      const found = new Map<string, ReviewItem[]>();
      let cursor: string | null | undefined;
      for (let page = 0; page < 5; page += 1) {
        const result = await call(
          api.GET("/v1/reviews", { params: { query: { brand_id: brandId, branch, limit: 200, cursor: cursor ?? undefined } } }),
        );
        for (const item of result.items) found.set(item.path, [...(found.get(item.path) ?? []), item]);
        cursor = result.next_cursor;
        if (!cursor) break;
      }
      return found;
    })()
      .then((found) => live && setItems(found))
      .catch((caught: unknown) => live && setError(errorText(caught)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [brandId, branch, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { items, loading, error, reload };
}
