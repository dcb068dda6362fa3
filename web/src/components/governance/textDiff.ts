// A small Myers diff (O((N+M)·D)) over characters, or over lines for long texts, for comparing copy.

export interface DiffOp {
  type: "equal" | "insert" | "delete";
  text: string;
}

const MAX_EDITS = 3000;
const CHAR_LIMIT = 4000;

function push(ops: DiffOp[], type: DiffOp["type"], text: string): void {
  if (!text) return;
  const last = ops[ops.length - 1];
  if (last && last.type === type) last.text += text;
  else ops.push({ type, text });
}

/** The shortest edit script from `a` to `b`, as runs of tokens; null when it needs more than MAX_EDITS edits. */
function myers(a: string[], b: string[]): DiffOp[] | null {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDITS);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d += 1) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b, offset);
    }
  }
  return null;
}

function backtrack(trace: Int32Array[], a: string[], b: string[], offset: number): DiffOp[] {
  const reversed: DiffOp[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d >= 0; d -= 1) {
    const v = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = v[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      reversed.push({ type: "equal", text: a[x - 1] });
      x -= 1;
      y -= 1;
    }
    if (d > 0) {
      if (x === prevX) reversed.push({ type: "insert", text: b[y - 1] });
      else reversed.push({ type: "delete", text: a[x - 1] });
    }
    x = prevX;
    y = prevY;
  }
  const ops: DiffOp[] = [];
  for (let i = reversed.length - 1; i >= 0; i -= 1) push(ops, reversed[i].type, reversed[i].text);
  return ops;
}

function tokens(text: string, byLine: boolean): string[] {
  return byLine ? text.split(/(?<=\n)/) : Array.from(text);
}

/** Runs of equal, inserted and deleted text turning `before` into `after`. */
export function diffText(before: string, after: string): DiffOp[] {
  const byLine = before.length > CHAR_LIMIT || after.length > CHAR_LIMIT;
  const a = tokens(before, byLine);
  const b = tokens(after, byLine);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const ops: DiffOp[] = [];
  push(ops, "equal", a.slice(0, start).join(""));
  const middle = myers(a.slice(start, endA), b.slice(start, endB)) ?? [
    { type: "delete" as const, text: a.slice(start, endA).join("") },
    { type: "insert" as const, text: b.slice(start, endB).join("") },
  ];
  for (const op of middle) push(ops, op.type, op.text);
  push(ops, "equal", a.slice(endA).join(""));
  return ops;
}
