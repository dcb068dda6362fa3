"""Bench "studio": how fast the web studio's first screen is interactive, and how much it downloads.

A real ``atelier serve --no-ray`` serves the built studio (``web/dist``) on 127.0.0.1; headless Chromium
(Playwright) loads it with an empty cache in a new browser context per run. "Interactive" is the
``atelier:interactive`` performance mark, set by the app once the first page has mounted and its handlers
are live (web/src/Ready.tsx), read as milliseconds since navigation start. Two first screens are timed:
the login page (logged out) and the studio's brief page (logged in, which also waits for /v1/me and
/v1/brands). ``first_screen_ms`` is the slower screen's median; ``first_screen_kb_gz`` the larger screen's
JavaScript as transferred (gzip), from the browser's resource timing.
"""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

from eval.browser import launch, login_token, require_studio_build, serve_studio

RUNS = 7
WARMUP = 1
SCREENS = {"login": "/login", "studio": "/"}
RESOURCES_JS = """() => {
  const entries = [performance.getEntriesByType('navigation')[0],
                   ...performance.getEntriesByType('resource')];
  const out = {js: 0, js_raw: 0, css: 0, html: 0, api: 0, requests: 0};
  for (const e of entries) {
    const url = new URL(e.name);
    out.requests += 1;
    if (url.pathname.startsWith('/v1/')) { out.api += e.encodedBodySize; continue; }
    if (url.pathname.endsWith('.js')) { out.js += e.encodedBodySize; out.js_raw += e.decodedBodySize; }
    else if (url.pathname.endsWith('.css')) out.css += e.encodedBodySize;
    else if (e.entryType === 'navigation') out.html += e.encodedBodySize;
  }
  const mark = performance.getEntriesByName('atelier:interactive')[0];
  return {...out, interactive_ms: mark ? mark.startTime : null, name: document.body.dataset.ready};
}"""


def _measure(browser: Any, base_url: str, path: str, ready: str, token: str | None) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        if token is not None:
            context.add_init_script(f"localStorage.setItem('atelier.token', {token!r});")
        page = context.new_page()
        page.goto(base_url + path)
        page.wait_for_selector(f"body[data-ready={ready}]", timeout=30_000)
        sample: dict[str, float] = page.evaluate(RESOURCES_JS)
        if sample["interactive_ms"] is None:
            raise RuntimeError(f"{path}: the page never set the atelier:interactive mark")
        return sample
    finally:
        context.close()


def run(runs: int | str = RUNS) -> dict[str, Any]:
    """Time both first screens ``runs`` times each with a cold cache; returns metrics and samples."""
    from playwright.sync_api import sync_playwright

    count = int(runs)
    require_studio_build()
    load_before = os.getloadavg()
    per_screen: dict[str, list[dict[str, float]]] = {name: [] for name in SCREENS}
    with tempfile.TemporaryDirectory(prefix="atelier-bench-studio-") as tmp:
        with serve_studio(Path(tmp)) as served, sync_playwright() as playwright:
            token = login_token(served.base_url, "demo-admin@atelier.local")
            browser = launch(playwright)
            try:
                for index in range(WARMUP + count):
                    for name, path in SCREENS.items():
                        sample = _measure(
                            browser, served.base_url, path, name, token if name == "studio" else None
                        )
                        if index >= WARMUP:
                            per_screen[name].append(sample)
            finally:
                browser.close()
    screens = {name: _summary(samples) for name, samples in per_screen.items()}
    slowest = max(screens.values(), key=lambda s: s["interactive_ms_median"])
    heaviest = max(screens.values(), key=lambda s: s["js_kb_gz"])
    return {
        "metrics": {
            "first_screen_ms": slowest["interactive_ms_median"],
            "first_screen_ms_p90": slowest["interactive_ms_p90"],
            "first_screen_kb_gz": heaviest["js_kb_gz"],
            "first_screen_kb_raw": heaviest["js_kb_raw"],
            **{f"{name}_ms": s["interactive_ms_median"] for name, s in screens.items()},
            **{f"{name}_js_kb_gz": s["js_kb_gz"] for name, s in screens.items()},
        },
        "screens": screens,
        "config": {
            "runs": count,
            "warmup": WARMUP,
            "viewport": "1280x800",
            "cache": "cold (new browser context per run)",
            "server": "atelier serve --no-ray on 127.0.0.1 (SQLite)",
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
    }


def _summary(samples: list[dict[str, float]]) -> dict[str, float]:
    times = [s["interactive_ms"] for s in samples]
    p90 = statistics.quantiles(times, n=10, method="inclusive")[8] if len(times) > 1 else times[0]
    last = samples[-1]
    return {
        "interactive_ms_median": round(statistics.median(times), 1),
        "interactive_ms_p90": round(p90, 1),
        "interactive_ms_min": round(min(times), 1),
        "js_kb_gz": round(last["js"] / 1024, 1),
        "js_kb_raw": round(last["js_raw"] / 1024, 1),
        "html_kb": round(last["html"] / 1024, 2),
        "api_kb": round(last["api"] / 1024, 2),
        "requests": last["requests"],
    }
