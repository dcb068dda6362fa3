// What the caller may do to the brand's repository, from their roles (the API enforces it; this only
// keeps buttons honest).
import { useMemo } from "react";

import { useSession } from "../../session";
import { MAIN } from "./format";

const WRITERS = new Set(["brand_admin", "creative", "system"]);
const PUBLISHERS = new Set(["brand_admin", "brand_reviewer"]);

export interface RepoPermissions {
  canWrite: boolean;
  canPublish: boolean;
  /** Committing, merging or reverting onto `branch` (main publishes). */
  canChange: (branch: string) => boolean;
}

export function usePermissions(): RepoPermissions {
  const { roles, me } = useSession();
  return useMemo(() => {
    const operator = Boolean(me?.is_operator);
    const canWrite = operator || roles.some((role) => WRITERS.has(role));
    const canPublish = operator || roles.some((role) => PUBLISHERS.has(role));
    return { canWrite, canPublish, canChange: (branch: string) => (branch === MAIN ? canPublish : canWrite) };
  }, [roles, me]);
}
