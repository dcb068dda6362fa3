// After `vite build`: put a tiny inline script in dist/index.html that, before the app's own code has
// arrived, (1) starts downloading the chunks of the page being opened (<link rel=modulepreload>, from
// the chunk map that vite.config.ts writes and the route table in src/routes.ts) and (2) for a logged-in user, starts the two
// session requests (/v1/me, /v1/brands) that every page waits for (read back by src/session.tsx).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dist = process.argv[2] ?? "dist";
// file → {imports, isEntry, modules}: written by the chunk-map plugin in vite.config.ts
const chunkMap = JSON.parse(readFileSync(join(dist, ".vite", "chunks.json"), "utf8"));
const routesSource = readFileSync("src/routes.ts", "utf8");

const files = Object.fromEntries(
  [...routesSource.matchAll(/(\w+): once\(\(\) => import\("\.\/([^"]+)"\)/g)].map(([, name, file]) => [
    name,
    `src/${file}.tsx`,
  ]),
);
const routes = [...routesSource.matchAll(/\{ path: "([^"]+)", name: "(\w+)" \}/g)].map(([, path, name]) => [path, name]);
if (!files.shell || !files.login || routes.length === 0) throw new Error("route-preload: cannot read src/routes.ts");

/** The chunk that holds a source module (a page can share a chunk with others once small chunks merge). */
function chunkOf(module) {
  const found = Object.entries(chunkMap).find(([, chunk]) => chunk.modules.includes(module));
  if (!found) throw new Error(`route-preload: no chunk holds ${module}`);
  return found[0];
}

/** A chunk and everything it imports statically, less the entry (already loading). */
function closure(file, seen = new Set()) {
  const chunk = chunkMap[file];
  if (chunk.isEntry || seen.has(file)) return seen;
  seen.add(file);
  for (const dep of chunk.imports) closure(dep, seen);
  return seen;
}

const chunks = (names) => [...new Set(names.flatMap((name) => [...closure(chunkOf(files[name]))]))].map((f) => `/${f}`);
const table = {
  login: chunks(["login"]),
  routes: routes.map(([path, name]) => [path, chunks(["shell", name])]),
};

const script = `<script>(function(){var T=${JSON.stringify(table)};var p=location.pathname.replace(/\\/+$/,"")||"/";
var t=null;try{t=localStorage.getItem("atelier.token")}catch(e){}
function m(a,b){var x=a.split("/"),y=b.split("/");if(a==="/")return b==="/";return x.length===y.length&&x.every(function(s,i){return s[0]===":"||s===y[i]})}
var list=T.login;if(t&&p!=="/login"){for(var i=0;i<T.routes.length;i++){if(m(T.routes[i][0],p)){list=T.routes[i][1];break}}
var h={Authorization:"Bearer "+t};function j(u){return fetch(u,{headers:h}).then(function(r){if(!r.ok)throw r.status;return r.json()})}
window.__atelierSession={token:t,data:Promise.all([j("/v1/me"),j("/v1/brands?limit=200")])};window.__atelierSession.data.catch(function(){})}
for(var k=0;k<list.length;k++){var l=document.createElement("link");l.rel="modulepreload";l.href=list[k];document.head.appendChild(l)}})();</script>`;

const indexPath = join(dist, "index.html");
const html = readFileSync(indexPath, "utf8");
if (html.includes("__atelierSession")) process.exit(0);
writeFileSync(indexPath, html.replace("<title>", `${script}\n    <title>`));
