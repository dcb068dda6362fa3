import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The studio is served by the FastAPI app at "/"; in `npm run dev`, /v1 is proxied to a local API.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    manifest: true, // read by scripts/route-preload.mjs
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 900,
    rollupOptions: {
      output: {
        // Merge tiny shared chunks (icons, small antd pieces) into their neighbours: fewer requests.
        experimentalMinChunkSize: 40_000,
        manualChunks(id) {
          if (id.includes("node_modules/react-dom") || id.includes("node_modules/react/") || id.includes("node_modules/scheduler")) {
            return "react";
          }
          return undefined;
        },
      },
    },
  },
  server: { proxy: { "/v1": "http://127.0.0.1:8000" } },
});
