// Light form pieces for the studio's first screen (the brief): a labelled field with its error, and a group
// of checkboxes. Plain elements styled like Ant Design's vertical form (src/light-controls.css), so the first
// screen does not mount antd Form, Form.Item and Checkbox machinery for a dozen controls.
import type { CSSProperties, ReactNode } from "react";

import { useT, type Messages } from "../../i18n";

const messages: Messages<"optional"> = {
  zh: { optional: "（可选）" },
  en: { optional: "(optional)" },
};

/** The id of a field's error text (for `aria-describedby`). */
export function errorId(id: string): string {
  return `${id}-error`;
}

/** Accessibility attributes of a control whose field may show an error. */
export function describedBy(id: string, error: string | null | undefined) {
  return { "aria-invalid": error ? true : undefined, "aria-describedby": error ? errorId(id) : undefined };
}

/**
 * A labelled field: label (with "(optional)" when not required), the control, and its error below.
 * `group` labels a group of controls (rendered as a caption the group names with `aria-labelledby`).
 */
export function Field({
  id,
  label,
  required = false,
  group = false,
  error,
  children,
}: {
  id: string;
  label: string;
  required?: boolean;
  group?: boolean;
  error?: string | null;
  children: ReactNode;
}) {
  const t = useT(messages);
  const caption = (
    <>
      {label}
      {required ? null : <span className="lc-optional">{t("optional")}</span>}
    </>
  );
  return (
    <div className={error ? "lc-field lc-has-error" : "lc-field"}>
      {group ? (
        <span className="lc-label" id={`${id}-label`}>
          {caption}
        </span>
      ) : (
        <label className="lc-label" id={`${id}-label`} htmlFor={id}>
          {caption}
        </label>
      )}
      {children}
      {error ? (
        <div className="lc-error" id={errorId(id)} role="alert">
          {error}
        </div>
      ) : null}
    </div>
  );
}

export interface CheckOption<V extends string> {
  value: V;
  label: string;
  testId?: string;
}

/** Checkboxes for a set of values; the result keeps the options' order. */
export function CheckGroup<V extends string>({
  id,
  options,
  value,
  onChange,
  error,
  itemStyle,
  testId,
  onIntent,
}: {
  id: string;
  options: readonly CheckOption<V>[];
  value: readonly V[];
  onChange: (next: V[]) => void;
  error?: string | null;
  itemStyle?: CSSProperties;
  testId?: string;
  /** the pointer or the focus came to the group (e.g. to fetch what ticking a box will show) */
  onIntent?: () => void;
}) {
  const toggle = (option: V, on: boolean) => {
    const next = new Set(value);
    if (on) next.add(option);
    else next.delete(option);
    onChange(options.filter((o) => next.has(o.value)).map((o) => o.value));
  };
  return (
    <div
      className="lc-checks"
      role="group"
      id={id}
      aria-labelledby={`${id}-label`}
      aria-describedby={error ? errorId(id) : undefined}
      data-testid={testId}
      onPointerEnter={onIntent}
      onFocus={onIntent}
    >
      {options.map((option) => (
        <label key={option.value} className="lc-check" style={itemStyle}>
          <input
            type="checkbox"
            className="lc-check-box"
            value={option.value}
            checked={value.includes(option.value)}
            onChange={(event) => toggle(option.value, event.target.checked)}
            data-testid={option.testId}
          />
          <span>{option.label}</span>
        </label>
      ))}
    </div>
  );
}
