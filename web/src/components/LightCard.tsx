// A card that looks like antd's Card (default or small; title, extra) without it: antd's Card imports Tabs
// (and with them Dropdown and Menu), which the first screens (login, studio) would otherwise carry.
// Styles in src/light-controls.css.
import type { CSSProperties, ReactNode } from "react";

export function LightCard({
  title,
  extra,
  size = "default",
  style,
  children,
  testId,
}: {
  title?: ReactNode;
  extra?: ReactNode;
  size?: "default" | "small";
  style?: CSSProperties;
  children?: ReactNode;
  testId?: string;
}) {
  return (
    <div className={size === "small" ? "lc-card lc-card-small" : "lc-card"} style={style} data-testid={testId}>
      {title || extra ? (
        <div className="lc-card-head">
          <div className="lc-card-title">{title}</div>
          {extra ? <div className="lc-card-extra">{extra}</div> : null}
        </div>
      ) : null}
      <div className="lc-card-body">{children}</div>
    </div>
  );
}
