"""The GPU deployment files stay valid and consistent: every Ray Serve profile, the KubeRay RayService
manifest (its serveConfigV2 is the multi-node profile), the GPU image definition and its pins."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from serving.deploy_profile import LATENCY_CRITICAL, AppArgs, DeploymentOptions, ServeProfile, load_profile

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "gpu_deploy"
MANIFEST = DEPLOY / "kuberay" / "rayservice.yaml"
DOCKERFILE = DEPLOY / "Dockerfile.gpu"


def _manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return data


def _containers(manifest: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(group, pod spec, container) for the head and every worker group."""
    cluster = manifest["spec"]["rayClusterConfig"]
    groups = [("head", cluster["headGroupSpec"])] + [(g["groupName"], g) for g in cluster["workerGroupSpecs"]]
    return [
        (name, g["template"]["spec"], c) for name, g in groups for c in g["template"]["spec"]["containers"]
    ]


def test_every_profile_validates_and_the_multinode_one_places_work_by_accelerator() -> None:
    names = sorted(p.name for p in DEPLOY.glob("*.yaml"))
    assert names == ["cpu.yaml", "gpu.yaml", "multinode.yaml"]
    for name in names:
        assert load_profile(DEPLOY / name).applications
    args = load_profile(DEPLOY / "multinode.yaml").applications[0].args
    assert args.llm is not None and args.llm.accelerator_type == "H100" and args.llm.num_gpus == 1
    assert args.vision is not None and args.vision.num_gpus == 0.25  # a quarter GPU per CLIP replica
    assert args.image is not None and args.image.autoscaling is not None
    assert args.image.autoscaling.min_replicas == 0  # batch work may scale to zero
    options = args.llm.ray_options()
    assert options["ray_actor_options"]["accelerator_type"] == "H100"
    assert options["autoscaling_config"]["downscale_delay_s"] == 600
    assert args.ingress.ray_options()["ray_actor_options"]["resources"] == {"cpu_pool": 0.01}


@pytest.mark.parametrize("name", LATENCY_CRITICAL)
def test_latency_critical_deployments_never_scale_to_zero(name: str) -> None:
    with pytest.raises(ValidationError, match="scale to zero"):
        AppArgs.model_validate({name: {"autoscaling": {"min_replicas": 0, "max_replicas": 2}}})


def test_bad_resources_are_named() -> None:
    with pytest.raises(ValidationError, match="whole GPUs"):
        DeploymentOptions(num_gpus=1.5)
    with pytest.raises(ValidationError, match="needs num_gpus"):
        DeploymentOptions(accelerator_type="H100")
    with pytest.raises(ValidationError, match="above max_replicas"):
        DeploymentOptions.model_validate({"autoscaling": {"min_replicas": 3, "max_replicas": 2}})
    assert DeploymentOptions(num_gpus=2).ray_options()["ray_actor_options"]["num_gpus"] == 2


def test_rayservice_serves_the_multinode_profile() -> None:
    manifest = _manifest()
    assert (manifest["apiVersion"], manifest["kind"]) == ("ray.io/v1", "RayService")
    inline = yaml.safe_load(manifest["spec"]["serveConfigV2"])
    assert inline == yaml.safe_load((DEPLOY / "multinode.yaml").read_text(encoding="utf-8"))
    assert ServeProfile.model_validate(inline).applications[0].args.llm is not None


def test_rayservice_cluster_matches_the_image_the_lock_and_the_drain_times() -> None:
    manifest = _manifest()
    cluster = manifest["spec"]["rayClusterConfig"]
    ray_pin = re.search(r"^ray==(\S+)$", (ROOT / "requirements" / "lock.txt").read_text(), re.M)
    assert ray_pin is not None and cluster["rayVersion"] == ray_pin.group(1)
    assert cluster["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"
    args = load_profile(DEPLOY / "multinode.yaml").applications[0].args
    longest_drain = max(
        getattr(args, name).graceful_shutdown_timeout_s
        for name in type(args).model_fields
        if getattr(args, name) is not None
    )
    images = set()
    for group, pod, container in _containers(manifest):
        images.add(container["image"])
        assert pod["terminationGracePeriodSeconds"] > longest_drain, group
        mounts = {m["name"]: m for m in container["volumeMounts"]}
        assert mounts["models"]["mountPath"] == "/models" and mounts["models"]["readOnly"] is True, group
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["models"]["persistentVolumeClaim"]["readOnly"] is True, group
        assert {"secretRef": {"name": "atelier-env"}} in container["envFrom"], group
        gpus = container["resources"]["limits"].get("nvidia.com/gpu")
        assert (gpus == "1") == group.startswith("gpu-"), group
        if group != "head":
            assert container["readinessProbe"]["httpGet"]["port"] == 8000, group
    assert len(images) == 1


def test_gpu_image_definition_is_consistent() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    for source in re.findall(r"^COPY (\S+)", text, re.M):
        assert (ROOT / source).exists(), source
    base = re.search(r"^FROM python:(\d+\.\d+)", text, re.M)
    assert base is not None and base.group(1) == "3.11"  # pyproject: requires-python >=3.11,<3.12
    entry = re.search(r'ENTRYPOINT \[.*"--profile", "([^"]+)"\]', text)
    assert entry is not None and (ROOT / entry.group(1)).is_file()
    assert "curl -fsS http://127.0.0.1:8000/healthz" in text and "STOPSIGNAL SIGTERM" in text
    assert "ATELIER_MODEL_DIR=/models" in text and "HF_HUB_OFFLINE=1" in text


def test_gpu_pins_are_the_lock_with_vllms_versions() -> None:
    spec = importlib.util.spec_from_file_location(
        "gpu_requirements", ROOT / "scripts" / "gpu_requirements.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lock = (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8")
    pinned = (ROOT / "requirements" / "gpu.txt").read_text(encoding="utf-8")
    assert pinned == module.render(lock), "requirements/gpu.txt is stale: run scripts/gpu_requirements.py"
    pins = dict(line.split("==") for line in pinned.splitlines() if line and not line.startswith("#"))
    assert pins["vllm"] == "0.33.0" and pins["torch"] == "2.14.0" and "xllamacpp" not in pins
    assert pins["diffusers"] and pins["open_clip_torch"]
