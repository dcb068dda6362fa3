// Two versions of a copy asset, compared character by character (line by line when long).
import { Alert, Skeleton, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";

import { fetchBlob } from "../../api/client";
import { errorText, rawUrl } from "./format";
import { diffText } from "./textDiff";

async function text(brandId: string, path: string, ref: string | null, signal: AbortSignal): Promise<string> {
  if (!ref) return "";
  return (await fetchBlob(rawUrl(brandId, path, ref), signal)).text();
}

interface Props {
  brandId: string;
  path: string;
  /** Commit of the old version (null: the asset is new). */
  before: string | null;
  /** Commit of the new version (null: the asset was deleted). */
  after: string | null;
}

export function TextDiff({ brandId, path, before, after }: Props) {
  const [texts, setTexts] = useState<[string, string] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    setTexts(null);
    setError(null);
    Promise.all([text(brandId, path, before, controller.signal), text(brandId, path, after, controller.signal)])
      .then((pair) => setTexts(pair))
      .catch((caught: unknown) => !controller.signal.aborted && setError(errorText(caught)));
    return () => controller.abort();
  }, [brandId, path, before, after]);
  const ops = useMemo(() => (texts ? diffText(texts[0], texts[1]) : []), [texts]);
  if (error) return <Alert type="error" showIcon title={error} />;
  if (!texts) return <Skeleton active paragraph={{ rows: 2 }} title={false} />;
  return (
    <Typography.Paragraph
      data-testid="text-diff"
      style={{ whiteSpace: "pre-wrap", wordBreak: "break-word", margin: 0, lineHeight: 1.8, background: "#fafafa", padding: 12, borderRadius: 8 }}
    >
      {ops.map((op, index) =>
        op.type === "equal" ? (
          <span key={index}>{op.text}</span>
        ) : op.type === "insert" ? (
          <ins key={index} style={{ background: "#d9f7be", textDecoration: "none", borderRadius: 2 }}>
            {op.text}
          </ins>
        ) : (
          <del key={index} style={{ background: "#ffccc7", color: "#a8071a", borderRadius: 2 }}>
            {op.text}
          </del>
        ),
      )}
    </Typography.Paragraph>
  );
}
