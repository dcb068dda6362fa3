// Checked copy with every finding's span marked in its severity colour; a click jumps to the finding.
import { Typography } from "antd";

import { useLang } from "../../i18n";
import { segments, type SpanMark } from "./spans";
import { categoryName, severityOf } from "./taxonomy";

interface Props {
  text: string;
  marks: SpanMark[];
  categories: string[];
  active: number | null;
  onPick: (index: number) => void;
  label: string;
}

export function Highlighted({ text, marks, categories, active, onPick, label }: Props) {
  const { lang } = useLang();
  return (
    <Typography.Paragraph
      aria-label={label}
      style={{ whiteSpace: "pre-wrap", wordBreak: "break-word", lineHeight: 2, fontSize: 15, margin: 0 }}
    >
      {segments(text, marks).map((piece, position) => {
        if (piece.marks.length === 0) return <span key={position}>{piece.text}</span>;
        const top = piece.marks[0];
        const look = severityOf(top.severity);
        const isActive = piece.marks.some((mark) => mark.index === active);
        const names = piece.marks.map((mark) => categoryName(categories[mark.index] ?? "", lang)).join(" · ");
        return (
          <mark
            key={position}
            data-testid="finding-highlight"
            data-finding={top.index}
            data-severity={top.severity}
            title={names}
            tabIndex={0}
            role="button"
            onClick={() => onPick(top.index)}
            onKeyDown={(event) => (event.key === "Enter" || event.key === " ") && onPick(top.index)}
            style={{
              background: look.mark,
              color: "inherit",
              borderBottom: `2px solid ${look.color}`,
              borderRadius: 3,
              padding: "1px 1px",
              cursor: "pointer",
              outline: isActive ? `2px solid ${look.color}` : undefined,
              outlineOffset: 1,
            }}
          >
            {piece.text}
          </mark>
        );
      })}
    </Typography.Paragraph>
  );
}
