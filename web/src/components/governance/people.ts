// Names of the people behind principal ids (commit authors, branch creators), as far as the caller may see.
import { useCallback, useEffect, useState } from "react";

import { api, call } from "../../api/client";
import { useSession } from "../../session";
import { errorText } from "./format";

/** `name(principalId)` → display name ("我"/"me" for the caller), else a shortened id; `error` if the list failed. */
export function usePeople(meLabel: string): { name: (id: string | null | undefined) => string; error: string | null } {
  const { me } = useSession();
  const [names, setNames] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    call(api.GET("/v1/users", { params: { query: { limit: 200 } } }))
      .then((page) => live && setNames(new Map(page.items.map((user) => [user.id, user.display_name || user.email]))))
      .catch((caught: unknown) => live && setError(errorText(caught)));
    return () => {
      live = false;
    };
  }, []);
  const name = useCallback(
    (id: string | null | undefined) => {
      if (!id) return "—";
      if (me && (id === me.principal_id || id === me.user_id)) return meLabel;
      if (id.startsWith("job:")) return id;
      return names.get(id) ?? (id.length > 14 ? `${id.slice(0, 4)}…${id.slice(-4)}` : id);
    },
    [me, names, meLabel],
  );
  return { name, error };
}
