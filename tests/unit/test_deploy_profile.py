"""Ray Serve profiles validate strictly and map to Deployment.options."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from serving.deploy_profile import (
    AppArgs,
    Autoscaling,
    DeploymentOptions,
    ServeApplication,
    ServeProfile,
    load_profile,
)

ROOT = Path(__file__).resolve().parents[2]
CPU_PROFILE = ROOT / "gpu_deploy" / "cpu.yaml"


def _cpu_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(CPU_PROFILE.read_text(encoding="utf-8"))
    return data


def test_cpu_profile_validates() -> None:
    profile = load_profile(CPU_PROFILE)
    assert profile.proxy_location == "HeadOnly"
    (app,) = profile.applications
    assert app.import_path == "serving.app:build_app"
    assert app.args.ingress.num_cpus == 0.5 and app.args.ingress.max_ongoing_requests == 200
    assert app.args.echo.num_gpus == 0.0
    assert app.args.echo.max_ongoing_requests == 64


def test_every_profile_in_gpu_deploy_validates() -> None:
    profiles = [p for p in (ROOT / "gpu_deploy").glob("*.yaml") if "applications" in p.read_text()]
    assert CPU_PROFILE in profiles
    for path in profiles:
        assert load_profile(path).applications


def _error_locs(data: dict[str, Any]) -> list[tuple[str | int, ...]]:
    with pytest.raises(ValidationError) as info:
        ServeProfile.model_validate(data)
    return [tuple(err["loc"]) for err in info.value.errors()]


def test_unknown_field_is_named() -> None:
    data = _cpu_data()
    data["applications"][0]["args"]["echo"]["num_gpu"] = 1
    assert ("applications", 0, "args", "echo", "num_gpu") in _error_locs(data)


def test_unknown_deployment_is_named() -> None:
    data = _cpu_data()
    data["applications"][0]["args"]["diffusion"] = {"num_gpus": 1}
    assert ("applications", 0, "args", "diffusion") in _error_locs(data)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("args", "echo", "num_replicas"), 0),
        (("args", "ingress", "num_cpus"), -1),
        (("args", "echo", "max_ongoing_requests"), "lots"),
        (("import_path",), "somewhere.else:build"),
    ],
)
def test_bad_value_is_named(path: tuple[str, ...], value: object) -> None:
    data = _cpu_data()
    target = data["applications"][0]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert ("applications", 0, *path) in _error_locs(data)


def test_bad_top_level_values() -> None:
    assert ("proxy_location",) in _error_locs({**_cpu_data(), "proxy_location": "Everywhere"})
    assert ("applications",) in _error_locs({**_cpu_data(), "applications": []})


def test_load_profile_error_names_the_field(tmp_path: Path) -> None:
    data = _cpu_data()
    data["http_options"]["port"] = 99999
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValidationError, match=r"http_options\.port"):
        load_profile(bad)


def test_ray_options_fixed_replicas() -> None:
    options = DeploymentOptions(num_replicas=3, num_cpus=2, num_gpus=0.5).ray_options()
    assert options == {
        "ray_actor_options": {"num_cpus": 2.0, "num_gpus": 0.5},
        "max_ongoing_requests": 16,
        "graceful_shutdown_timeout_s": 20.0,
        "health_check_period_s": 10.0,
        "num_replicas": 3,
    }


def test_ray_options_autoscaling_replaces_the_replica_count() -> None:
    options = DeploymentOptions.model_validate(
        {"num_replicas": 3, "autoscaling": {"min_replicas": 0, "max_replicas": 4}}
    ).ray_options()
    assert "num_replicas" not in options
    assert options["autoscaling_config"] == {
        "min_replicas": 0,
        "max_replicas": 4,
        "target_ongoing_requests": 2.0,
    }


def test_app_args_defaults() -> None:
    args = AppArgs.model_validate({})
    assert args.ingress.ray_options()["ray_actor_options"] == {"num_cpus": 0.5, "num_gpus": 0.0}
    assert args.echo.ray_options()["num_replicas"] == 1


def test_every_field_is_described() -> None:
    for model in (Autoscaling, DeploymentOptions, AppArgs, ServeApplication):
        missing = [name for name, field in model.model_fields.items() if not field.description]
        assert missing == [], f"{model.__name__}: {missing}"
