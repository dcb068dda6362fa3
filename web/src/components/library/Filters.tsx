// The library's filters: kind, tags, campaign, platform, licence and review state.
import { ClearOutlined } from "@ant-design/icons";
import { Button, Flex, Select, Tooltip } from "antd";
import { useMemo } from "react";

import { useLang, useT, type Messages } from "../../i18n";
import { KINDS, PLATFORMS, STATUSES, useWord } from "./labels";
import type { Facets } from "./useFacets";

export interface LibraryFilters {
  kinds: string[];
  tags: string[];
  campaign?: string;
  platform?: string;
  licence?: "valid" | "expired";
  status?: string;
}

export const NO_FILTERS: LibraryFilters = { kinds: [], tags: [] };

export function hasFilters(filters: LibraryFilters): boolean {
  return Boolean(
    filters.kinds.length ||
      filters.tags.length ||
      filters.campaign ||
      filters.platform ||
      filters.licence ||
      filters.status,
  );
}

/** The filters a library URL carries (kind and tag repeat). */
export function filtersFromParams(params: URLSearchParams): LibraryFilters {
  const licence = params.get("licence");
  return {
    kinds: params.getAll("kind"),
    tags: params.getAll("tag"),
    campaign: params.get("campaign") ?? undefined,
    platform: params.get("platform") ?? undefined,
    licence: licence === "valid" || licence === "expired" ? licence : undefined,
    status: params.get("status") ?? undefined,
  };
}

/** Write the filters into a library URL's parameters (replacing the ones there). */
export function filtersToParams(params: URLSearchParams, filters: LibraryFilters): void {
  for (const key of ["kind", "tag", "campaign", "platform", "licence", "status"]) params.delete(key);
  filters.kinds.forEach((kind) => params.append("kind", kind));
  filters.tags.forEach((tag) => params.append("tag", tag));
  if (filters.campaign) params.set("campaign", filters.campaign);
  if (filters.platform) params.set("platform", filters.platform);
  if (filters.licence) params.set("licence", filters.licence);
  if (filters.status) params.set("status", filters.status);
}

const messages: Messages<
  | "filters"
  | "kind"
  | "tags"
  | "campaign"
  | "platform"
  | "licence"
  | "status"
  | "valid"
  | "expired"
  | "clear"
  | "platformInSearch"
> = {
  zh: {
    filters: "筛选",
    kind: "类型",
    tags: "标签（须全部包含）",
    campaign: "活动",
    platform: "投放平台",
    licence: "授权",
    status: "审核状态",
    valid: "授权有效",
    expired: "授权已过期",
    clear: "清除筛选",
    platformInSearch: "按平台筛选仅在浏览时可用，搜索时不生效",
  },
  en: {
    filters: "Filters",
    kind: "Kind",
    tags: "Tags (all of them)",
    campaign: "Campaign",
    platform: "Platform",
    licence: "Licence",
    status: "Review state",
    valid: "Licence valid",
    expired: "Licence expired",
    clear: "Clear filters",
    platformInSearch: "The platform filter works when browsing, not with a search",
  },
};

export function Filters({
  value,
  onChange,
  facets,
  tagLabel,
  searching,
}: {
  value: LibraryFilters;
  onChange: (next: LibraryFilters) => void;
  facets: Facets | null;
  tagLabel: (id: string) => string;
  searching: boolean;
}) {
  const t = useT(messages);
  const word = useWord();
  const { lang } = useLang();
  const tagOptions = useMemo(() => {
    const known = (facets?.tags ?? []).map((tag) => ({
      value: tag.id,
      label: lang === "zh" ? tag.zh : tag.en,
      search: `${tag.zh} ${tag.en} ${tag.id}`.toLowerCase(),
    }));
    const extra = value.tags
      .filter((tag) => !known.some((option) => option.value === tag))
      .map((tag) => ({ value: tag, label: tag, search: tag.toLowerCase() }));
    return [...known, ...extra];
  }, [facets, lang, value.tags]);
  const set = (patch: Partial<LibraryFilters>) => onChange({ ...value, ...patch });
  const width = { minWidth: 150, flex: "1 1 150px", maxWidth: 260 };
  return (
    <Flex wrap gap={8} align="center" data-testid="library-filters" role="group" aria-label={t("filters")}>
      <Select
        mode="multiple"
        allowClear
        aria-label={t("kind")}
        data-testid="filter-kind"
        placeholder={t("kind")}
        value={value.kinds}
        onChange={(kinds: string[]) => set({ kinds })}
        options={KINDS.map((kind) => ({ value: kind, label: word(kind) }))}
        maxTagCount="responsive"
        style={width}
      />
      <Select
        mode="tags"
        allowClear
        aria-label={t("tags")}
        data-testid="filter-tags"
        placeholder={t("tags")}
        value={value.tags}
        onChange={(tags: string[]) => set({ tags })}
        options={tagOptions}
        labelRender={({ value: id }) => tagLabel(String(id))}
        filterOption={(input, option) => (option?.search ?? "").includes(input.toLowerCase())}
        maxTagCount="responsive"
        style={{ ...width, maxWidth: 320 }}
      />
      <Select
        allowClear
        showSearch
        aria-label={t("campaign")}
        data-testid="filter-campaign"
        placeholder={t("campaign")}
        value={value.campaign}
        onChange={(campaign?: string) => set({ campaign })}
        options={(facets?.campaigns ?? []).map((campaign) => ({ value: campaign, label: campaign }))}
        style={width}
      />
      <Tooltip title={searching ? t("platformInSearch") : undefined}>
        <Select
          allowClear
          aria-label={t("platform")}
          data-testid="filter-platform"
          placeholder={t("platform")}
          value={value.platform}
          disabled={searching}
          onChange={(platform?: string) => set({ platform })}
          options={PLATFORMS.map((platform) => ({ value: platform, label: word(platform) }))}
          style={width}
        />
      </Tooltip>
      <Select
        allowClear
        aria-label={t("licence")}
        data-testid="filter-licence"
        placeholder={t("licence")}
        value={value.licence}
        onChange={(licence?: "valid" | "expired") => set({ licence })}
        options={[
          { value: "valid", label: t("valid") },
          { value: "expired", label: t("expired") },
        ]}
        style={width}
      />
      <Select
        allowClear
        aria-label={t("status")}
        data-testid="filter-status"
        placeholder={t("status")}
        value={value.status}
        onChange={(status?: string) => set({ status })}
        options={STATUSES.map((status) => ({ value: status, label: word(status) }))}
        style={width}
      />
      {hasFilters(value) ? (
        <Button icon={<ClearOutlined />} onClick={() => onChange(NO_FILTERS)} data-testid="filter-clear">
          {t("clear")}
        </Button>
      ) : null}
    </Flex>
  );
}
