"""``creatives_100_seconds``: N complete creatives from one brief, end to end through the REST API.

The app runs in this process (FastAPI TestClient, the in-process gateway with the real default models:
Qwen2.5-0.5B GGUF on llama.cpp, the multilingual USE encoder, the compliance engine, the poster
compositor), on a fresh SQLite data dir with the demo brand, its VI pack (palette, logo, a forbidden
word) and a product picture on ``main``. One ``creative`` job is submitted with the ``xhs-serum``
brief of ``eval/datasets/copy_briefs_zh.jsonl`` asking for N variants; the clock runs from the POST to the
job's success: N copy variants, N posters in two platform sizes (PNG + layered spec), checks, one commit.

The VI pack requires no disclaimer: the copy pipeline would make every variant's text carry it (a
must-say the 0.5B model seldom writes, so rewrites and flags dominate); the poster's small print carries
``图片仅供参考`` from the poster options instead.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from eval.benches.poster import fixtures
from serving.api import create_app
from serving.db import make_engine, make_session_factory, transaction, upgrade
from serving.seed import seed_demo
from serving.settings import DEV_PEPPER, Settings

ROOT = Path(__file__).resolve().parents[2]
BRIEF_ID = "xhs-serum"
VI = """\
brand: chengguang
version: "1"
forbidden_words:
  - {term: 美白, suggestion: 提亮}
palette:
  - {name: 品牌红, hex: "#E60012"}
  - {name: 深蓝, hex: "#1F3A93"}
  - {name: 金黄, hex: "#FFC72C"}
logos:
  - {path: brand/logo.png, min_width_px: 60}
"""
POLL_S = 1.0


def _brief(count: int) -> dict[str, Any]:
    rows = (ROOT / "eval" / "datasets" / "copy_briefs_zh.jsonl").read_text(encoding="utf-8").splitlines()
    row: dict[str, Any] = next(json.loads(line) for line in rows if f'"{BRIEF_ID}"' in line)
    row.pop("id")
    return row | {
        "num_variants": count,
        "poster": {
            "product_asset": "products/serum.png",
            "price": "¥199",
            "cta": "立即抢购",
            "disclaimer": "图片仅供参考",
        },
    }


def _put(client: TestClient, brand: str, path: str, data: bytes, kind: str, content_type: str) -> None:
    upload = client.post(
        f"/v1/brands/{brand}/blobs",
        params={"kind": kind},
        content=data,
        headers={"Content-Type": content_type},
    )
    upload.raise_for_status()
    body = {
        "branch": "main",
        "message": path,
        "changes": [{"op": "put", "path": path, "blob": upload.json()["sha256"]}],
    }
    client.post(f"/v1/brands/{brand}/commits", json=body).raise_for_status()


def _settings(data_dir: Path) -> Settings:
    return Settings.model_validate(
        {
            "env": "test",
            "data_dir": data_dir,
            "database": {"url": f"sqlite:///{data_dir / 'atelier.db'}"},
            "auth": {"key_pepper": DEV_PEPPER},
            "log_level": "WARNING",
            "search": {"auto_index": False},
            "reviews": {"gate_main": False},  # the bench puts the brand kit straight on main
        }
    )


def _wait(client: TestClient, job_id: str, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(POLL_S)
    raise RuntimeError(f"the creative job did not finish in {timeout_s:.0f} s")


def measure(count: int = 100, timeout_s: float = 3600.0) -> dict[str, Any]:
    """Run one creative job of ``count`` creatives; seconds from submission to success and its stats."""
    logging.getLogger("serving").setLevel(logging.WARNING)
    kit, product, _ = fixtures()
    assert kit.logo is not None
    with tempfile.TemporaryDirectory(prefix="atelier-bench-creatives-") as tmp:
        settings = _settings(Path(tmp))
        upgrade(settings.database_url)
        engine = make_engine(settings.database_url)
        with transaction(make_session_factory(engine)) as session:
            seed = seed_demo(session, settings)
            brand = seed.brand.id
        engine.dispose()
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            client.headers["Authorization"] = f"Bearer {seed.token}"
            _put(client, brand, "brand/vi.yaml", VI.encode(), "brand_kit", "application/yaml")
            _put(client, brand, "brand/logo.png", kit.logo, "image", "image/png")
            _put(client, brand, "products/serum.png", product, "image", "image/png")
            started = time.perf_counter()
            created = client.post(
                "/v1/generations", json={"brand_id": brand, "kind": "creative", "brief": _brief(count)}
            )
            created.raise_for_status()
            job = _wait(client, created.json()["id"], timeout_s)
            seconds = time.perf_counter() - started
    if job["status"] != "succeeded":
        raise RuntimeError(f"the creative job ended {job['status']}: {job.get('error')}")
    result = job["result"]
    stats = result["copy"]["stats"]
    posters = result["posters"]
    return {
        "seconds": round(seconds, 2),
        "creatives": len(posters),
        "copy_seconds": round(float(stats["seconds"]), 2),
        "posters_and_commit_seconds": round(seconds - float(stats["seconds"]), 2),
        "posters_flagged": result["flagged"],
        "copy_flagged": sum(1 for v in result["copy"]["variants"] if v["status"] == "flagged"),
        "renditions": sum(len(p["renditions"]) for p in posters),
        "sizes": [r["size"] for r in posters[0]["renditions"]] if posters else [],
        "templates_used": sorted({str(p["template"]) for p in posters}),
        "assets_committed": len(result["assets"]["paths"]),
        "flag_reasons": sorted(
            {f["category"] for p in posters for r in p["renditions"] for f in r["findings"]}
        ),
        "copy_shortfall": result["copy"].get("shortfall"),
        "cpus": os.cpu_count(),
        "example": posters[0]["copy"] if posters else None,
    }
