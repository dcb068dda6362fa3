// Display names for user ids in the review pages (listReviewPeople: the brand's members the caller may
// name); unknown ids are shown shortened, the caller as "me".
import { useCallback, useEffect, useState } from "react";

import { api, call } from "../../api/client";
import { useFeedback } from "../../feedback";
import { useLang } from "../../i18n";
import { useBrandId, useSession } from "../../session";
import { errorText } from "./model";

const cache = new Map<string, Record<string, string>>();

export function usePeople(): (id: string | null | undefined) => string {
  const { token, me } = useSession();
  const brandId = useBrandId();
  const { lang } = useLang();
  const { message } = useFeedback();
  const key = `${token ?? ""}|${brandId}`;
  const [names, setNames] = useState<Record<string, string>>(() => cache.get(key) ?? {});

  useEffect(() => {
    const known = cache.get(key);
    if (known) {
      setNames(known);
      return undefined;
    }
    let live = true;
    call(api.GET("/v1/brands/{brand_id}/review-people", { params: { path: { brand_id: brandId } } }))
      .then((people) => {
        const found = Object.fromEntries(people.map((person) => [person.id, person.display_name]));
        cache.set(key, found);
        if (live) setNames(found);
      })
      .catch((error: unknown) => {
        if (live) void message.warning(errorText(error));
      });
    return () => {
      live = false;
    };
  }, [key, brandId, message]);

  return useCallback(
    (id: string | null | undefined) => {
      if (!id) return "—";
      if (id === me?.user_id || id === me?.principal_id) return lang === "zh" ? "我" : "me";
      if (id.startsWith("system:")) return lang === "zh" ? "AI 检测" : "AI check";
      return names[id] ?? `${id.slice(0, 4)}…${id.slice(-4)}`;
    },
    [names, me, lang],
  );
}
