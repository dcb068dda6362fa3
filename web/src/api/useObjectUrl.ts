import { useEffect, useState } from "react";

import { fetchBlob } from "./client";

/** An object URL for an authenticated API path (images, video, audio); revoked when the path changes. */
export function useObjectUrl(path: string | null | undefined): { url: string | null; error: string | null } {
  const [state, setState] = useState<{ url: string | null; error: string | null }>({ url: null, error: null });
  useEffect(() => {
    if (!path) {
      setState({ url: null, error: null });
      return undefined;
    }
    const controller = new AbortController();
    let objectUrl: string | null = null;
    fetchBlob(path, controller.signal)
      .then((blob) => {
        objectUrl = URL.createObjectURL(blob);
        setState({ url: objectUrl, error: null });
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setState({ url: null, error: String(error) });
      });
    return () => {
      controller.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [path]);
  return state;
}
