// Finding spans are [start, end) in code points of the original text; JavaScript strings count UTF-16
// units, so everything here works on arrays of code points.

export interface SpanMark {
  /** Index of the finding in the result's list. */
  index: number;
  span: [number, number];
  severity: string;
}

export interface Segment {
  text: string;
  /** Findings covering this piece (most severe first); empty for plain text. */
  marks: SpanMark[];
}

const RANK: Record<string, number> = { block: 0, warn: 1, info: 2 };

/** The text cut where findings start and end, each piece with the findings that cover it. */
export function segments(text: string, marks: SpanMark[]): Segment[] {
  const points = Array.from(text);
  const valid = marks.filter((mark) => mark.span[0] >= 0 && mark.span[1] <= points.length && mark.span[0] < mark.span[1]);
  const cuts = new Set<number>([0, points.length]);
  for (const mark of valid) {
    cuts.add(mark.span[0]);
    cuts.add(mark.span[1]);
  }
  const ordered = [...cuts].sort((a, b) => a - b);
  const out: Segment[] = [];
  for (let i = 0; i < ordered.length - 1; i += 1) {
    const [start, end] = [ordered[i], ordered[i + 1]];
    const covering = valid
      .filter((mark) => mark.span[0] <= start && end <= mark.span[1])
      .sort((a, b) => (RANK[a.severity] ?? 3) - (RANK[b.severity] ?? 3));
    out.push({ text: points.slice(start, end).join(""), marks: covering });
  }
  return out;
}

/** `text` with the code points [start, end) replaced by `replacement`. */
export function replaceSpan(text: string, span: [number, number], replacement: string): string {
  const points = Array.from(text);
  return [...points.slice(0, span[0]), replacement, ...points.slice(span[1])].join("");
}
