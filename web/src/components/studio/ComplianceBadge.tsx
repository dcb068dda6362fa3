// pass / warn / block as a coloured tag; the tooltip explains every finding (what, why, how to fix).
import { CheckCircleFilled, CloseCircleFilled, ExclamationCircleFilled, QuestionCircleOutlined } from "@ant-design/icons";
import { Tag, Tooltip, Typography } from "antd";
import type { ReactNode } from "react";

import { useT, type Messages } from "../../i18n";
import type { FindingLike, Verdict } from "./model";

const messages: Messages<"pass" | "warn" | "block" | "unknown" | "none" | "law" | "fix" | "more"> = {
  zh: {
    pass: "合规",
    warn: "需留意",
    block: "违规",
    unknown: "未检测",
    none: "未发现问题",
    law: "依据",
    fix: "建议",
    more: "另有 {n} 条",
  },
  en: {
    pass: "Pass",
    warn: "Warn",
    block: "Block",
    unknown: "Not checked",
    none: "No findings",
    law: "Basis",
    fix: "Fix",
    more: "{n} more",
  },
};

const LOOK: Record<Verdict, { color: string; icon: ReactNode }> = {
  pass: { color: "success", icon: <CheckCircleFilled /> },
  warn: { color: "warning", icon: <ExclamationCircleFilled /> },
  block: { color: "error", icon: <CloseCircleFilled /> },
};
const SHOWN = 6;

export function FindingsList({ findings }: { findings: FindingLike[] }) {
  const t = useT(messages);
  if (findings.length === 0) return <span>{t("none")}</span>;
  return (
    <div style={{ display: "grid", gap: 6, maxWidth: 360 }}>
      {findings.slice(0, SHOWN).map((f, i) => (
        <div key={`${f.category}-${i}`}>
          <strong>
            [{f.severity}] {f.category}
          </strong>
          {f.matched ? <> 「{f.matched}」</> : null}
          {f.message ? <div>{f.message}</div> : null}
          {f.law_ref ? (
            <div>
              {t("law")}：{f.law_ref}
            </div>
          ) : null}
          {f.suggestion ? (
            <div>
              {t("fix")}：{f.suggestion}
            </div>
          ) : null}
        </div>
      ))}
      {findings.length > SHOWN ? <span>{t("more", { n: findings.length - SHOWN })}</span> : null}
    </div>
  );
}

export function ComplianceBadge({ verdict, findings }: { verdict: Verdict | undefined; findings: FindingLike[] }) {
  const t = useT(messages);
  if (!verdict) {
    return (
      <Tag icon={<QuestionCircleOutlined />} data-testid="compliance-badge" data-verdict="unknown">
        {t("unknown")}
      </Tag>
    );
  }
  const look = LOOK[verdict];
  return (
    <Tooltip title={<FindingsList findings={findings} />}>
      <Tag
        color={look.color}
        icon={look.icon}
        data-testid="compliance-badge"
        data-verdict={verdict}
        tabIndex={0}
        aria-label={`${t(verdict)}${findings.length ? ` (${findings.length})` : ""}`}
        style={{ cursor: "help" }}
      >
        {t(verdict)}
        {findings.length ? <Typography.Text style={{ color: "inherit", marginInlineStart: 4 }}>{findings.length}</Typography.Text> : null}
      </Tag>
    </Tooltip>
  );
}
