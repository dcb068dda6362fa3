"""`atelier serve`: the API on a local (or remote) Ray with Serve, or in-process with --no-ray."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
import urllib.request
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from serving.db import current_revision, head_revision, make_engine, upgrade
from serving.deploy_profile import load_profile
from serving.settings import Settings

console = Console()
READY_TIMEOUT_S = 180.0
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (default: settings api.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (default: settings api.port).")] = None,
    profile: Annotated[
        Path | None, typer.Option(help="Ray Serve profile (default: settings ray.profile).")
    ] = None,
    no_ray: Annotated[bool, typer.Option("--no-ray", help="Run models in-process under uvicorn.")] = False,
) -> None:
    """Start the Atelier API (and studio, when built) and block until Ctrl-C."""
    settings = Settings()
    data_dir = settings.ensure_data_dir()
    host = host or settings.api.host
    port = port or settings.api.port
    logging.basicConfig(level=settings.log_level)
    _ensure_migrated(settings)
    if no_ray:
        import uvicorn

        from serving.api import create_app

        console.print(f"Atelier API (in-process models) on [bold]http://{host}:{port}[/bold]")
        uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level.lower())
        return
    _serve_on_ray(settings, data_dir, host, port, _resolve_profile(profile or settings.ray.profile))


def _resolve_profile(path: Path) -> Path:
    """A relative profile path is tried from the working directory, then from the project root."""
    if path.is_file():
        return path
    bundled = PROJECT_ROOT / path
    if not path.is_absolute() and bundled.is_file():
        return bundled
    console.print(f"[red]no Ray Serve profile at {path}[/red] (give --profile or ATELIER_RAY__PROFILE)")
    raise typer.Exit(2)


def _ensure_migrated(settings: Settings) -> None:
    current, head = current_revision(make_engine(settings.database_url)), head_revision()
    if current == head:
        return
    if settings.env == "development":
        console.print(f"migrating database {current} → {head}")
        upgrade(settings.database_url)
        return
    console.print(f"[red]database is at {current}, code needs {head}: run `atelier db upgrade`[/red]")
    raise typer.Exit(2)


def _serve_on_ray(settings: Settings, data_dir: Path, host: str, port: int, profile_path: Path) -> None:
    import ray
    from ray import serve

    from serving.app import build_app

    profile = load_profile(profile_path)
    env = {k: v for k, v in os.environ.items() if k.startswith("ATELIER_")}
    env["ATELIER_DATA_DIR"] = str(data_dir)
    started = time.perf_counter()
    ray.init(
        address=settings.ray.address,
        namespace=settings.ray.namespace,
        num_cpus=None if settings.ray.address else settings.ray.num_cpus,
        runtime_env={"env_vars": env},
        include_dashboard=False,
        logging_level=logging.WARNING,
    )
    # From here on SIGINT/SIGTERM only ask to stop, so Serve and Ray are always shut down below.
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        serve.start(http_options={"host": host, "port": port}, proxy_location=profile.proxy_location)
        for application in profile.applications:
            serve.run(
                build_app(application.args.model_dump()),
                name=application.name,
                route_prefix=application.route_prefix,
                blocking=False,
            )
        if _wait_healthy(host, port, stop):
            console.print(
                f"Atelier is up on [bold]http://{host}:{port}[/bold] (docs: /docs) "
                f"via Ray Serve profile {profile_path} in {time.perf_counter() - started:.1f}s. "
                "Ctrl-C stops it."
            )
            stop.wait()
    finally:
        console.print("draining and shutting down…")
        serve.shutdown()  # type: ignore[no-untyped-call]
        ray.shutdown()


def _wait_healthy(host: str, port: int, stop: threading.Event) -> bool:
    """True once /healthz answers 200; False if a stop was requested first."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    url = f"http://{host}:{port}/healthz"
    while time.monotonic() < deadline:
        if stop.is_set():
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local URL
                if response.status == 200:
                    return True
        except OSError:
            pass
        stop.wait(0.5)
    raise RuntimeError(f"the API did not become healthy at {url} within {READY_TIMEOUT_S:.0f}s")
