#!/usr/bin/env bash
# Build the web studio into web/dist when its sources changed (hash of package-lock, config and src).
# Needs Node.js 20+ and npm (the npm registry is reachable); repeat runs with nothing changed take a second.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/web"

if ! command -v npm >/dev/null 2>&1; then
  echo "build_web: WARNING npm not found: the studio is not built (the API still serves /v1 and /docs)" >&2
  exit 0
fi
hash="$( { cat package.json package-lock.json index.html vite.config.ts tsconfig.json openapi.json; \
  find src scripts public -type f | LC_ALL=C sort | xargs cat; } | sha256sum | cut -c1-16)"
if [ -f dist/.build-hash ] && [ "$(cat dist/.build-hash)" = "$hash" ]; then
  exit 0
fi
lock_hash="$(sha256sum package-lock.json | cut -c1-16)"
if [ ! -f node_modules/.lock-hash ] || [ "$(cat node_modules/.lock-hash)" != "$lock_hash" ]; then
  echo "build_web: installing npm packages (package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.lock-hash
fi
echo "build_web: building the studio (web/dist)"
npm run --silent build >/tmp/atelier-web-build.log 2>&1 || { cat /tmp/atelier-web-build.log >&2; exit 1; }
echo "$hash" > dist/.build-hash
