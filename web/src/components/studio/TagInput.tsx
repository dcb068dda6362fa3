// A light tags input (the brief's selling points): type one and press Enter or a separator to add it,
// Backspace in the empty input removes the last, each tag has a remove button. Looks like antd's
// Select mode="tags" (src/light-controls.css) without its virtual list, popup and measuring.
import { useRef, useState, type ClipboardEvent, type KeyboardEvent, type MouseEvent } from "react";

/** `text` cut at the separators: the finished pieces, and what is still being typed. */
function splitTags(text: string, separators: readonly string[]): { done: string[]; rest: string } {
  let pieces = [text];
  for (const separator of separators) pieces = pieces.flatMap((piece) => piece.split(separator));
  const rest = pieces.pop() ?? "";
  return { done: pieces.map((piece) => piece.trim()).filter(Boolean), rest };
}

/** `value` with `added` appended: no duplicates, no blanks, at most `max`. */
function withTags(value: readonly string[], added: readonly string[], max: number): string[] {
  const next = [...value];
  for (const tag of added) {
    const clean = tag.trim();
    if (clean && !next.includes(clean) && next.length < max) next.push(clean);
  }
  return next;
}

export function TagInput({
  id,
  value,
  onChange,
  placeholder,
  separators,
  max,
  removeLabel,
  ariaLabel,
  invalid,
  describedBy,
  testId,
}: {
  id: string;
  value: readonly string[];
  onChange: (next: string[]) => void;
  placeholder?: string;
  separators: readonly string[];
  max: number;
  /** the remove button's accessible name for a tag */
  removeLabel: (tag: string) => string;
  ariaLabel?: string;
  invalid?: boolean;
  describedBy?: string;
  testId?: string;
}) {
  const [draft, setDraft] = useState("");
  const [focused, setFocused] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const full = value.length >= max;

  const type = (text: string) => {
    const { done, rest } = splitTags(text, separators);
    if (done.length) onChange(withTags(value, done, max));
    setDraft(rest);
  };
  const commit = () => {
    if (draft.trim()) onChange(withTags(value, [draft], max));
    setDraft("");
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Enter" && !event.nativeEvent.isComposing) {
      event.preventDefault(); // a tag, not a form submit
      commit();
    } else if (event.key === "Backspace" && draft === "" && value.length) {
      onChange(value.slice(0, -1));
    }
  };
  const onPaste = (event: ClipboardEvent<HTMLInputElement>) => {
    event.preventDefault();
    type(draft + event.clipboardData.getData("text"));
  };
  const focusInput = (event: MouseEvent<HTMLDivElement>) => {
    if (event.target === event.currentTarget) {
      event.preventDefault();
      input.current?.focus();
    }
  };

  const classes = ["lc-tags", focused ? "lc-focused" : "", invalid ? "lc-invalid" : ""].filter(Boolean).join(" ");
  return (
    <div className={classes} data-testid={testId} onMouseDown={focusInput}>
      {value.map((tag) => (
        <span className="lc-tag" key={tag} title={tag}>
          <span className="lc-tag-text">{tag}</span>
          <button
            type="button"
            className="lc-tag-remove"
            aria-label={removeLabel(tag)}
            onClick={() => onChange(value.filter((other) => other !== tag))}
          >
            ×
          </button>
        </span>
      ))}
      <input
        ref={input}
        id={id}
        className="lc-tags-input"
        size={Math.max(1, draft.length + 1)}
        value={draft}
        placeholder={value.length ? undefined : placeholder}
        readOnly={full}
        aria-label={ariaLabel}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        autoComplete="off"
        onChange={(event) => type(event.target.value)}
        onKeyDown={onKeyDown}
        onPaste={onPaste}
        onFocus={() => setFocused(true)}
        onBlur={() => {
          setFocused(false);
          commit();
        }}
      />
    </div>
  );
}
