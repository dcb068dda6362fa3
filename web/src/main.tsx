import "antd/dist/antd.css"; // zero-runtime Ant Design: static styles, no style generation while rendering
import "./light-controls.css"; // the first screen's light form controls, styled like antd's
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { getToken } from "./api/client";
import { App } from "./App";
import { preload } from "./routes";
import { prefetchSession } from "./session";

/** A slow API or chunk does not leave the page blank: past this, React renders and shows its spinners. */
const FIRST_SCREEN_WAIT_MS = 4000;

// The first screen's code and data load in parallel; React renders once both are in, so the first page
// mounts in one pass (no spinner first, no suspended lazy page whose reveal React would throttle).
const loggedIn = getToken() !== null;
const firstScreen = [preload(window.location.pathname, loggedIn), loggedIn ? prefetchSession() : null];
const patience = new Promise((resolve) => setTimeout(resolve, FIRST_SCREEN_WAIT_MS));

void Promise.race([Promise.all(firstScreen), patience]).then(() =>
  createRoot(document.getElementById("root") as HTMLElement).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);
