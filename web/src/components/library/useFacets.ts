// Tag names (zh/en) and campaigns for the library's filters and tag display, fetched once per brand+branch.
import { useCallback, useEffect, useMemo, useState } from "react";

import { api, call, type Schemas } from "../../api/client";
import { useLang } from "../../i18n";

export type Facets = Schemas["LibraryFacets"];
export type TagName = Schemas["TagName"];

const cache = new Map<string, Promise<Facets>>();

function load(brandId: string, branch: string): Promise<Facets> {
  const key = `${brandId}\u0000${branch}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = call(
      api.GET("/v1/brands/{brand_id}/library/facets", { params: { path: { brand_id: brandId }, query: { branch } } }),
    );
    pending.catch(() => cache.delete(key));
    cache.set(key, pending);
  }
  return pending;
}

export interface FacetsState {
  facets: Facets | null;
  error: unknown;
  /** A tag's display name in the current language (free tags as written). */
  tagLabel: (id: string) => string;
  /** Forget the cached campaigns (after a commit may have added one). */
  refresh: () => void;
}

export function useFacets(brandId: string, branch: string): FacetsState {
  const { lang } = useLang();
  const [facets, setFacets] = useState<Facets | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    load(brandId, branch)
      .then((value) => live && (setFacets(value), setError(null)))
      .catch((reason: unknown) => live && setError(reason));
    return () => {
      live = false;
    };
  }, [brandId, branch, round]);
  const names = useMemo(() => new Map((facets?.tags ?? []).map((tag) => [tag.id, tag])), [facets]);
  const tagLabel = useCallback(
    (id: string) => {
      const tag = names.get(id);
      return tag ? (lang === "zh" ? tag.zh : tag.en) : id;
    },
    [names, lang],
  );
  const refresh = useCallback(() => {
    cache.delete(`${brandId}\u0000${branch}`);
    setRound((value) => value + 1);
  }, [brandId, branch]);
  return { facets, error, tagLabel, refresh };
}
