"""The compiled engine loads only when built from the current sources, and answers as the Python one does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compliance_rules import native
from compliance_rules.checker import Checker

pytestmark = pytest.mark.unit

COPY = (
    "全网最低价，第一品牌，加vx领券，稳赚不赔，专家推荐",
    "本品不能代替药物。历史年化收益率3%，不代表未来表现。读《最好的告别》",
    "网上说这款面霜能祛斑是骗局，别信！我们只说保湿，最高立减50元",
    "隔壁老王家的烧饼用隔夜油，小朋友跟妈妈说快买，点赞关注抽奖送好礼",
)


def _findings_as(native_wanted: bool) -> tuple[bool, list[str]]:
    """The findings on COPY from a fresh interpreter, with the compiled modules allowed or not."""
    script = (
        "import json, sys\n"
        "from compliance_rules import native\n"
        "from compliance_rules.checker import Checker\n"
        "checker = Checker.builtin()\n"
        "out = [checker.check_copy(t, industry='cosmetics', platform='douyin').model_dump_json()\n"
        "       for t in sys.argv[1:]]\n"
        "print(json.dumps([native.active(), out]))\n"
    )
    env = {**os.environ, "ATELIER_NATIVE": "1" if native_wanted else "0"}
    command = [sys.executable, "-c", script, *COPY]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True, timeout=120)
    active, out = json.loads(done.stdout)
    return bool(active), list(out)


def test_a_current_build_is_the_engine_that_runs() -> None:
    """After ``make setup`` built it, the compiled engine is the one checks run on (unless turned off)."""
    if native.built() and native.wanted():
        assert native.active()
    assert native.active() == (native.built() and native.wanted())


def test_compiled_and_python_engines_give_the_same_results() -> None:
    compiled_active, compiled = _findings_as(native_wanted=True)
    python_active, python = _findings_as(native_wanted=False)
    assert not python_active
    assert compiled_active == native.built()
    assert compiled == python
    checker = Checker.builtin()
    here = [checker.check_copy(t, industry="cosmetics", platform="douyin").model_dump_json() for t in COPY]
    assert here == python
    assert any(json.loads(result)["findings"] for result in python)


def test_an_edited_source_is_never_run_from_a_stale_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "compliance_rules"
    package.mkdir()
    for name in native.MODULES:
        (package / f"{name}.py").write_text(f"# {name}\n", encoding="utf-8")
    stamp = tmp_path / ".native" / "compliance_rules" / "SOURCES"
    stamp.parent.mkdir(parents=True)
    monkeypatch.setattr(native, "PACKAGE_DIR", package)
    monkeypatch.setattr(native, "BUILD_DIR", tmp_path / ".native")
    monkeypatch.setattr(native, "STAMP", stamp)
    monkeypatch.setenv("ATELIER_NATIVE", "1")
    path: list[str] = []
    assert not native.activate(path) and path == []  # never built
    stamp.write_text(native.fingerprint() + "\n", encoding="utf-8")
    assert native.activate(path) and path == [str(tmp_path / ".native" / "compliance_rules")]
    (package / "engine.py").write_text("# engine, edited\n", encoding="utf-8")
    path = []
    assert not native.activate(path) and path == []  # the build is of other sources now
    stamp.write_text(native.fingerprint() + "\n", encoding="utf-8")
    monkeypatch.setenv("ATELIER_NATIVE", "0")
    assert not native.activate(path) and path == []  # turned off


@pytest.mark.parametrize("text", [None, 123, b"bytes"])
def test_text_that_is_not_a_string_is_a_type_error_compiled_or_not(text: object) -> None:
    checker = Checker.builtin()
    with pytest.raises(TypeError, match="str object expected"):
        checker.engine.check_text(text)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="str object expected"):
        checker.check_copy(text)  # type: ignore[arg-type]


def test_a_failed_build_warns_once_per_source_version_and_is_retried_on_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(native, "BUILD_DIR", tmp_path / ".native")
    monkeypatch.setattr(native, "STAMP", tmp_path / ".native" / "compliance_rules" / "SOURCES")
    monkeypatch.setattr(native, "FAILED", tmp_path / ".native" / "FAILED")
    monkeypatch.delenv("ATELIER_NATIVE_RETRY", raising=False)
    tries: list[int] = []

    def no_compiler() -> None:
        tries.append(1)
        raise SystemExit("error: command 'gcc' failed: No such file or directory")

    monkeypatch.setattr(native, "build", no_compiler)
    assert native.main() == 0 and len(tries) == 1  # setup goes on: the engine runs as Python
    assert "could not compile" in capsys.readouterr().err
    assert native.main() == 0 and len(tries) == 1  # the same sources are not tried again
    assert "did not compile here before" in capsys.readouterr().err
    monkeypatch.setenv("ATELIER_NATIVE_RETRY", "1")
    assert native.main() == 0 and len(tries) == 2
    assert not native.built()
