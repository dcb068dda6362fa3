// Results grouped by platform (one tab each): a card per variant, select all of a platform, a compliance
// summary, and what is still running or failed for that platform.
import { Alert, Badge, Checkbox, Col, Empty, Flex, Row, Spin, Tabs, Typography } from "antd";
import { useState, type ReactNode } from "react";

import { useLang, useT, type Messages } from "../../i18n";
import { PLATFORM_LABELS, PLATFORMS, type Platform, type Variant, type Verdict } from "./model";

export interface Slot {
  /** The generated variant's key (regenerations replace `variant`, keep `key`). */
  key: string;
  variant: Variant;
  verdict: Verdict | undefined;
  /** Progress in [0, 1] of a regeneration, null when none runs. */
  pending: number | null;
}

export interface PlatformNote {
  platform: Platform;
  running: boolean;
  error: string | null;
  /** What was cancelled, e.g. "文案", when a job of this platform was. */
  cancelled: string | null;
}

const messages: Messages<"all" | "summary" | "running" | "none" | "cancelled"> = {
  zh: {
    all: "全选本平台",
    summary: "合规 {pass} · 需留意 {warn} · 违规 {block}",
    running: "仍在生成中，完成后会出现在这里…",
    none: "这个平台没有生成结果",
    cancelled: "{what}已取消",
  },
  en: {
    all: "Select all here",
    summary: "Pass {pass} · Warn {warn} · Block {block}",
    running: "Still generating: results appear here when done…",
    none: "No results for this platform",
    cancelled: "{what}: cancelled",
  },
};

export function Gallery({
  slots,
  notes,
  selected,
  onSelect,
  renderCard,
}: {
  slots: Slot[];
  notes: PlatformNote[];
  selected: Set<string>;
  onSelect: (keys: string[], on: boolean) => void;
  renderCard: (slot: Slot, number: number) => ReactNode;
}) {
  const t = useT(messages);
  const { lang } = useLang();
  const platforms = PLATFORMS.filter((p) => slots.some((s) => s.variant.platform === p) || notes.some((n) => n.platform === p));
  const [active, setActive] = useState<string | undefined>(undefined);
  const current = active && platforms.includes(active as Platform) ? active : platforms[0];

  return (
    <Tabs
      activeKey={current}
      onChange={setActive}
      data-testid="gallery"
      items={platforms.map((platform) => {
        const here = slots.filter((s) => s.variant.platform === platform);
        const note = notes.filter((n) => n.platform === platform);
        const count = (v: Verdict) => here.filter((s) => s.verdict === v).length;
        const keys = here.map((s) => s.variant.key);
        const picked = keys.filter((k) => selected.has(k)).length;
        return {
          key: platform,
          label: (
            <span data-testid={`gallery-tab-${platform}`}>
              {PLATFORM_LABELS[lang][platform]}{" "}
              <Badge count={here.length} showZero color={count("block") ? "#cf1322" : "#c2410c"} size="small" />
            </span>
          ),
          children: (
            <Flex vertical gap={12}>
              {here.length ? (
                <Flex justify="space-between" align="center" wrap gap={8}>
                  <Checkbox
                    checked={picked > 0 && picked === keys.length}
                    indeterminate={picked > 0 && picked < keys.length}
                    onChange={(e) => onSelect(keys, e.target.checked)}
                    data-testid="select-all-platform"
                  >
                    {t("all")}
                  </Checkbox>
                  <Typography.Text type="secondary">
                    {t("summary", { pass: count("pass"), warn: count("warn"), block: count("block") })}
                  </Typography.Text>
                </Flex>
              ) : null}
              {note.map((n, i) =>
                n.error ? <Alert key={`err-${i}`} type="error" showIcon title={n.error} /> : null,
              )}
              {note.map((n, i) =>
                n.cancelled ? <Alert key={`cancel-${i}`} type="info" showIcon title={t("cancelled", { what: n.cancelled })} /> : null,
              )}
              {note.some((n) => n.running) ? (
                <Flex gap={8} align="center">
                  <Spin size="small" />
                  <Typography.Text type="secondary">{t("running")}</Typography.Text>
                </Flex>
              ) : null}
              {here.length ? (
                <Row gutter={[12, 12]}>
                  {here.map((slot, i) => (
                    <Col key={slot.key} xs={24} md={12} xxl={8}>
                      {renderCard(slot, i + 1)}
                    </Col>
                  ))}
                </Row>
              ) : !note.some((n) => n.running || n.error || n.cancelled) ? (
                <Empty description={t("none")} />
              ) : null}
            </Flex>
          ),
        };
      })}
    />
  );
}
