// Toasts (`message`) and confirm dialogs (`modal`) for every page, like antd's `App.useApp()`. antd's <App>
// would put the message, notification and modal code on the first screen; here it loads a few seconds after
// the first page is up (or at the first call), and calls made before it arrives are played back then.
import type { JointContent } from "antd/es/message/interface";
import type { ModalFuncProps } from "antd/es/modal/interface";
import { createContext, lazy, Suspense, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

import type { FeedbackApis } from "./FeedbackHolder";
import { afterFirstScreen } from "./idle";

type Notice = "success" | "error" | "info" | "warning" | "loading";

/** What pages use: `message.success(text)`, `message.error(text, seconds)`, `modal.confirm({...})`. */
export interface Feedback {
  message: Record<Notice, (content: JointContent, duration?: number) => void>;
  modal: { confirm: (props: ModalFuncProps) => void };
}

const NOTICES: readonly Notice[] = ["success", "error", "info", "warning", "loading"];
const loadHolder = () => import("./FeedbackHolder");
const Holder = lazy(loadHolder);

const FeedbackContext = createContext<Feedback | null>(null);

export function FeedbackProvider({ children }: { children: ReactNode }) {
  const apis = useRef<FeedbackApis | null>(null);
  const waiting = useRef<Array<(ready: FeedbackApis) => void>>([]);
  const [mounted, setMounted] = useState(false);

  useEffect(() => afterFirstScreen(() => setMounted(true)), []);

  const run = useCallback((call: (ready: FeedbackApis) => void) => {
    if (apis.current) call(apis.current);
    else {
      waiting.current.push(call);
      setMounted(true);
    }
  }, []);
  const onReady = useCallback((ready: FeedbackApis) => {
    apis.current = ready;
    for (const call of waiting.current.splice(0)) call(ready);
  }, []);

  const value = useMemo<Feedback>(
    () => ({
      message: Object.fromEntries(
        NOTICES.map((notice) => [
          notice,
          (content: JointContent, duration?: number) => run((ready) => void ready.message[notice](content, duration)),
        ]),
      ) as Feedback["message"],
      modal: { confirm: (props) => run((ready) => void ready.modal.confirm(props)) },
    }),
    [run],
  );
  return (
    <FeedbackContext.Provider value={value}>
      {children}
      {mounted ? (
        <Suspense fallback={null}>
          <Holder onReady={onReady} />
        </Suspense>
      ) : null}
    </FeedbackContext.Provider>
  );
}

/** The page's toasts and confirm dialogs (inside FeedbackProvider). */
export function useFeedback(): Feedback {
  const feedback = useContext(FeedbackContext);
  if (!feedback) throw new Error("useFeedback outside FeedbackProvider");
  return feedback;
}
