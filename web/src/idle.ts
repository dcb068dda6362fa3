// Work that can wait until the first screen is up and the user has had a moment with it.

/** Runs `run` once the browser is idle, no sooner than `delayMs` from now; returns a cancel function. */
export function afterFirstScreen(run: () => void, delayMs = 3000): () => void {
  let idle: number | null = null;
  const timer = window.setTimeout(() => {
    if (typeof window.requestIdleCallback === "function") idle = window.requestIdleCallback(run, { timeout: 2000 });
    else run();
  }, delayMs);
  return () => {
    window.clearTimeout(timer);
    if (idle !== null) window.cancelIdleCallback(idle);
  };
}
