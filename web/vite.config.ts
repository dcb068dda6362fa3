import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

/**
 * Writes dist/.vite/chunks.json: for every JS chunk, its static imports and the src/ modules it holds.
 * Read by scripts/route-preload.mjs. Vite's manifest cannot be used for this: once small chunks are merged,
 * a page's module may live in a chunk whose manifest key names another module (or none).
 */
function chunkMap(): Plugin {
  let root = "";
  return {
    name: "atelier-chunk-map",
    apply: "build",
    configResolved(config) {
      root = `${config.root.split("\\").join("/")}/`;
    },
    generateBundle(_options, bundle) {
      const chunks: Record<string, { imports: string[]; isEntry: boolean; modules: string[] }> = {};
      for (const output of Object.values(bundle)) {
        if (output.type !== "chunk") continue;
        chunks[output.fileName] = {
          imports: output.imports,
          isEntry: output.isEntry,
          modules: output.moduleIds
            .map((id) => id.split("\\").join("/"))
            .filter((id) => id.startsWith(root) && !id.includes("/node_modules/"))
            .map((id) => id.slice(root.length)),
        };
      }
      this.emitFile({ type: "asset", fileName: ".vite/chunks.json", source: JSON.stringify(chunks) });
    },
  };
}

/**
 * antd's form/context.js (imported by Input, Checkbox, Select…) takes only FormProvider from rc-form's index,
 * but that index attaches Form, Field, List and useForm to one object (a side effect, so nothing is dropped):
 * every screen with an input carried all of rc-form and its validator. Resolve that one import to the module
 * that defines FormProvider (the same module the index re-exports, so the context is the same).
 */
function formProviderOnly(): Plugin {
  return {
    name: "atelier-form-provider-only",
    enforce: "pre",
    async resolveId(source, importer, options) {
      if (source !== "@rc-component/form" || !importer?.split("\\").join("/").endsWith("/antd/es/form/context.js")) {
        return null;
      }
      return this.resolve("@rc-component/form/es/FormContext", importer, { ...options, skipSelf: true });
    },
  };
}

// The studio is served by the FastAPI app at "/"; in `npm run dev`, /v1 is proxied to a local API.
export default defineConfig({
  plugins: [react(), chunkMap(), formProviderOnly()],
  build: {
    outDir: "dist",
    manifest: true, // for inspecting the build (scripts/route-preload.mjs reads .vite/chunks.json)
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
