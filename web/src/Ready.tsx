import { useEffect } from "react";

/** Marks the first screen interactive (performance mark `atelier:interactive`, read by `atelier bench studio`). */
export function Ready({ name }: { name: string }) {
  useEffect(() => {
    if (performance.getEntriesByName("atelier:interactive").length === 0) {
      performance.mark("atelier:interactive", { detail: name });
    }
    document.body.dataset.ready = name;
  }, [name]);
  return null;
}
