// One finding, explained: what rule, where, the legal basis, and the fix (applied in one click when known).
import { CheckOutlined } from "@ant-design/icons";
import { Button, Card, Flex, Tag, Tooltip, Typography } from "antd";
import { forwardRef } from "react";

import { useLang, useT, type Messages } from "../../i18n";
import type { Finding } from "./checkApi";
import { categoryName, severityOf, sourceName } from "./taxonomy";


const messages: Messages<"matched" | "law" | "suggestion" | "rewrite" | "apply" | "append" | "stale" | "rule" | "frame"> = {
  zh: {
    matched: "命中",
    law: "法律依据",
    suggestion: "修改建议",
    rewrite: "建议改为",
    apply: "应用改写",
    append: "追加到文末",
    stale: "内容已修改，请先重新检测",
    rule: "规则",
    frame: "{s} 秒处",
  },
  en: {
    matched: "Matched",
    law: "Legal basis",
    suggestion: "Suggestion",
    rewrite: "Rewrite as",
    apply: "Apply rewrite",
    append: "Append to the copy",
    stale: "The text changed; check again first",
    rule: "Rule",
    frame: "at {s} s",
  },
};

interface Props {
  finding: Finding;
  index: number;
  active: boolean;
  /** Apply this finding's rewrite (null when it has none or it cannot be applied to the copy). */
  onApply: (() => void) | null;
  /** Append what is missing (a required disclaimer) to the copy, or null. */
  onAppend: (() => void) | null;
  stale: boolean;
  busy: boolean;
  onHover: (index: number | null) => void;
}

export const FindingCard = forwardRef<HTMLDivElement, Props>(function FindingCard(
  { finding, index, active, onApply, onAppend, stale, busy, onHover },
  ref,
) {
  const t = useT(messages);
  const { lang } = useLang();
  const look = severityOf(finding.severity);
  return (
    <Card
      ref={ref}
      size="small"
      data-testid="finding"
      data-finding={index}
      data-severity={finding.severity}
      data-category={finding.category}
      onMouseEnter={() => onHover(index)}
      onMouseLeave={() => onHover(null)}
      style={{ borderInlineStart: `4px solid ${look.color}`, boxShadow: active ? `0 0 0 2px ${look.mark}` : undefined }}
    >
      <Flex vertical gap={6}>
        <Flex justify="space-between" align="start" gap={8} wrap>
          <Flex gap={6} align="center" wrap>
            <Typography.Text type="secondary" style={{ fontVariantNumeric: "tabular-nums" }}>
              {index + 1}.
            </Typography.Text>
            <Tag color={look.tag} style={{ marginInlineEnd: 0 }}>
              {lang === "zh" ? look.zh : look.en}
            </Tag>
            <Typography.Text strong>{categoryName(finding.category, lang)}</Typography.Text>
            <Tag variant="filled">{sourceName(finding.source ?? "text", lang)}</Tag>
            {typeof finding.frame_s === "number" && (
              <Typography.Text type="secondary">{t("frame", { s: finding.frame_s.toFixed(1) })}</Typography.Text>
            )}
          </Flex>
          {onAppend && (
            <Tooltip title={stale ? t("stale") : undefined}>
              <Button size="small" icon={<CheckOutlined />} disabled={stale} loading={busy} onClick={onAppend} data-testid="apply-append">
                {t("append")}
              </Button>
            </Tooltip>
          )}
          {onApply && (
            <Tooltip title={stale ? t("stale") : undefined}>
              <Button
                size="small"
                type="primary"
                icon={<CheckOutlined />}
                disabled={stale}
                loading={busy}
                onClick={onApply}
                data-testid="apply-rewrite"
              >
                {t("apply")}
              </Button>
            </Tooltip>
          )}
        </Flex>
        {finding.message && <Typography.Text>{finding.message}</Typography.Text>}
        {finding.matched && (
          <Typography.Text>
            <Typography.Text type="secondary">{t("matched")}：</Typography.Text>
            <mark style={{ background: look.mark, borderRadius: 3, padding: "0 2px" }}>{finding.matched}</mark>
            {finding.rewrite && (
              <>
                {"  →  "}
                <Typography.Text type="secondary">{t("rewrite")}：</Typography.Text>
                <Typography.Text strong style={{ color: "#389e0d" }}>
                  {finding.rewrite}
                </Typography.Text>
              </>
            )}
          </Typography.Text>
        )}
        {finding.law_ref && (
          <Typography.Text data-testid="finding-law">
            <Typography.Text type="secondary">{t("law")}：</Typography.Text>
            {finding.law_ref}
          </Typography.Text>
        )}
        {finding.suggestion && (
          <Typography.Text data-testid="finding-suggestion">
            <Typography.Text type="secondary">{t("suggestion")}：</Typography.Text>
            {finding.suggestion}
          </Typography.Text>
        )}
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t("rule")} <Typography.Text code style={{ fontSize: 12 }}>{finding.rule_id}</Typography.Text>
        </Typography.Text>
      </Flex>
    </Card>
  );
});
