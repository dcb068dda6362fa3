// Follow a set of generation jobs until each ends: polled with getJob (status, progress, then the result)
// and, for at most SSE_SLOTS jobs at once (the browser keeps connections for other calls), followed over
// SSE for the live progress messages.
import { useCallback, useEffect, useRef, useState } from "react";

import { api, ApiError, call } from "../../api/client";
import { followJob, type JobEvent } from "../../api/sse";
import { isTerminal, type Job } from "./model";

const SSE_SLOTS = 3;
const POLL_MS = 2500;

export interface Tracked {
  job: Job | null;
  /** The latest progress message the job sent. */
  message: string;
  /** A problem reading the job itself (not the job's own failure, which is job.error). */
  error: string | null;
}

/** Wait `ms`, or less when `signal` aborts or `wake` is called (a job's stream saw it end). */
function sleep(ms: number, signal: AbortSignal, wake?: (resolve: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
    wake?.(done);
  });
}

async function getJob(id: string, signal: AbortSignal): Promise<Job> {
  return call(api.GET("/v1/jobs/{job_id}", { params: { path: { job_id: id } }, signal }));
}

export function useJobs(ids: string[]): {
  jobs: Record<string, Tracked>;
  reload: (id: string) => Promise<void>;
} {
  const [jobs, setJobs] = useState<Record<string, Tracked>>({});
  const controllers = useRef(new Map<string, AbortController>());
  const streams = useRef(0);
  const wakers = useRef(new Map<string, () => void>());

  const patch = useCallback((id: string, update: (current: Tracked) => Tracked) => {
    setJobs((all) => ({ ...all, [id]: update(all[id] ?? { job: null, message: "", error: null }) }));
  }, []);

  const onEvent = useCallback(
    (id: string, event: JobEvent) => {
      const progress = typeof event.progress === "number" ? event.progress : undefined;
      const message = typeof event.message === "string" ? event.message : undefined;
      const status = typeof event.status === "string" ? event.status : undefined;
      if (status && isTerminal(status)) wakers.current.get(id)?.();
      patch(id, (t) => ({
        ...t,
        message: message ?? t.message,
        job: t.job
          ? {
              ...t.job,
              progress: progress ?? t.job.progress,
              status: status && !isTerminal(status) ? (status as Job["status"]) : t.job.status,
            }
          : t.job,
      }));
    },
    [patch],
  );

  const track = useCallback(
    async (id: string, signal: AbortSignal) => {
      // SSE brings the live messages; a slow poll alongside it keeps status and progress right even when
      // the stream is slow to start or drops.
      const stream = new AbortController();
      signal.addEventListener("abort", () => stream.abort());
      let streaming = false;
      try {
        while (!signal.aborted) {
          let job: Job;
          try {
            job = await getJob(id, signal);
          } catch (error) {
            if (signal.aborted) return;
            const text = error instanceof ApiError ? `${error.code}: ${error.detail}` : String(error);
            patch(id, (t) => ({ ...t, error: text }));
            if (error instanceof ApiError && error.status < 500) return;
            await sleep(POLL_MS * 2, signal);
            continue;
          }
          patch(id, (t) => ({ ...t, job, error: null }));
          if (isTerminal(job.status)) return;
          if (!streaming && streams.current < SSE_SLOTS) {
            streaming = true;
            streams.current += 1;
            void followJob(id, (event) => onEvent(id, event), stream.signal).finally(() => {
              streams.current -= 1;
              streaming = false;
            });
          }
          await sleep(streaming ? POLL_MS * 2 : POLL_MS, signal, (wake) => wakers.current.set(id, wake));
          wakers.current.delete(id);
        }
      } finally {
        stream.abort();
      }
    },
    [onEvent, patch],
  );

  const key = ids.join(",");
  useEffect(() => {
    const wanted = new Set(key ? key.split(",") : []);
    for (const [id, controller] of controllers.current) {
      if (!wanted.has(id)) {
        controller.abort();
        controllers.current.delete(id);
      }
    }
    for (const id of wanted) {
      if (controllers.current.has(id)) continue;
      const controller = new AbortController();
      controllers.current.set(id, controller);
      void track(id, controller.signal);
    }
  }, [key, track]);

  useEffect(() => {
    const all = controllers.current;
    return () => {
      for (const controller of all.values()) controller.abort();
      all.clear();
    };
  }, []);

  const reload = useCallback(
    async (id: string) => {
      const job = await getJob(id, new AbortController().signal);
      patch(id, (t) => ({ ...t, job }));
    },
    [patch],
  );

  return { jobs, reload };
}
