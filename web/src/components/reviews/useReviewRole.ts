// What the logged-in person may do in the review flow at the current brand (mirrors serving/reviews/access.py;
// the API has the last word, this only decides which controls to show).
import { useMemo } from "react";

import { useSession } from "../../session";
import type { ReviewItem, ReviewLevel } from "./model";

export interface ReviewRole {
  /** The level whose queue is "mine": agency for agency reviewers, brand for brand reviewers and admins. */
  level: Exclude<ReviewLevel, "ai"> | null;
  canSubmit: boolean;
  isAdmin: boolean;
  userId: string | null;
  principalId: string | null;
  /** Region ids the caller's grant is limited to (null: every region). */
  regionIds: string[] | null;
  /** May decide (and claim) this item at the level it waits for. */
  canDecide: (item: ReviewItem) => boolean;
  /** The submitter, a colleague on the submitting side, or an admin: may withdraw and resubmit. */
  isSubmitterSide: (item: ReviewItem) => boolean;
  isMine: (item: ReviewItem) => boolean;
}

export function useReviewRole(): ReviewRole {
  const { roles, me, brandId } = useSession();
  return useMemo(() => {
    const isAdmin = roles.includes("brand_admin") || Boolean(me?.is_operator);
    const agencyId = me?.agency_id ?? null;
    const level: ReviewRole["level"] = roles.includes("brand_reviewer") || (isAdmin && !agencyId)
      ? "brand"
      : roles.includes("agency_reviewer")
        ? "agency"
        : null;
    const canSubmit = isAdmin || roles.includes("creative");
    const userId = me?.user_id ?? null;
    const principalId = me?.principal_id ?? null;
    const grant = (me?.grants ?? []).find((g) => g.brand_id === brandId);
    const regionIds = grant?.region_ids ?? null;
    const isMine = (item: ReviewItem) =>
      (userId !== null && item.submitter_user_id === userId) || item.submitted_by === principalId;
    const canDecide = (item: ReviewItem) => {
      if (!userId || !item.pending_level || item.pending_level === "ai" || isMine(item)) return false;
      if (item.pending_level === "agency") return level === "agency" && agencyId === item.agency_id;
      return level === "brand" && !agencyId;
    };
    const isSubmitterSide = (item: ReviewItem) =>
      isMine(item) || isAdmin || (roles.includes("creative") && agencyId === item.agency_id);
    return { level, canSubmit, isAdmin, userId, principalId, regionIds, canDecide, isSubmitterSide, isMine };
  }, [roles, me, brandId]);
}
