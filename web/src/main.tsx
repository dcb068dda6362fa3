import "antd/dist/antd.css"; // zero-runtime Ant Design: static styles, no style generation while rendering
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { getToken } from "./api/client";
import { App } from "./App";
import { preload } from "./routes";
import { prefetchSession } from "./session";

// The first screen's code and data load in parallel, before React renders.
const loggedIn = getToken() !== null;
preload(window.location.pathname, loggedIn);
if (loggedIn) prefetchSession();

createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
