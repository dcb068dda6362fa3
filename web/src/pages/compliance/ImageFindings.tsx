// The checked image with each located finding's region drawn over it (polygons in image pixels).
import { useState } from "react";

import type { Finding } from "./checkApi";
import { severityOf } from "./taxonomy";


interface Props {
  url: string;
  alt: string;
  findings: Finding[];
  active: number | null;
  onPick: (index: number) => void;
}

export function ImageFindings({ url, alt, findings, active, onPick }: Props) {
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  const located = findings.map((finding, index) => ({ finding, index })).filter(({ finding }) => finding.box && finding.box.length >= 3);
  return (
    <div style={{ position: "relative", lineHeight: 0, maxWidth: "100%", display: "inline-block" }} data-testid="check-image">
      <img
        src={url}
        alt={alt}
        style={{ maxWidth: "100%", maxHeight: 520, display: "block", borderRadius: 8, border: "1px solid #f0f0f0" }}
        onLoad={(event) => setSize({ width: event.currentTarget.naturalWidth, height: event.currentTarget.naturalHeight })}
      />
      {size && (
        <svg
          viewBox={`0 0 ${size.width} ${size.height}`}
          preserveAspectRatio="none"
          style={{ position: "absolute", inset: 0, width: "100%", height: "100%" }}
          aria-hidden
        >
          {located.map(({ finding, index }, position) => {
            const look = severityOf(finding.severity);
            const points = (finding.box ?? []).map(([x, y]) => `${x},${y}`).join(" ");
            const [x0, y0] = finding.box?.[0] ?? [0, 0];
            const stroke = Math.max(2, size.width / 300);
            const badge = Math.max(14, size.width / 40);
            // Several findings on one text line share a box: put their number badges side by side.
            const before = located.slice(0, position).filter((other) => other.finding.box?.[0]?.join() === finding.box?.[0]?.join()).length;
            const bx = x0 + before * badge * 1.6;
            return (
              <g key={index} data-testid="finding-box" data-finding={index} onClick={() => onPick(index)} style={{ cursor: "pointer" }}>
                <polygon
                  points={points}
                  fill={look.color}
                  fillOpacity={active === index ? 0.25 : 0.1}
                  stroke={look.color}
                  strokeWidth={active === index ? stroke * 2 : stroke}
                />
                <rect x={bx} y={Math.max(0, y0 - badge)} width={badge * 1.4} height={badge} fill={look.color} rx={badge / 5} />
                <text x={bx + badge * 0.7} y={Math.max(0, y0 - badge) + badge * 0.78} fontSize={badge * 0.75} fill="#fff" textAnchor="middle" fontWeight={700}>
                  {index + 1}
                </text>
              </g>
            );
          })}
        </svg>
      )}
    </div>
  );
}
