"""``atelier compliance check --input F.jsonl``: the DESIGN.md contract, one output line per input line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.procs import cli_env, run_cli


def test_compliance_check_writes_one_line_per_input(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data")
    lines = [
        {"id": "a", "text": "本店最佳口红", "industry": "cosmetics"},
        {"id": 2, "text": "新品口红上市，色号丰富", "platform": "xiaohongshu"},
        {"id": "empty", "text": ""},
        {"id": "mars", "text": "好", "platform": "mars"},
    ]
    source = tmp_path / "in.jsonl"
    source.write_bytes(
        b"\n".join(json.dumps(line, ensure_ascii=False).encode() for line in lines)
        + b"\n{not json\n\xff\xfe\n"
    )
    done = run_cli(["compliance", "check", "--input", str(source)], env, check=False)
    assert done.returncode == 1 and "4 line(s) could not be checked" in done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", 2, "empty", "mars", None, None]
    assert out[0]["verdict"] == "block" and out[0]["findings"][0]["category"] == "ABSOLUTE_TERMS"
    assert out[0]["findings"][0]["span"] == [2, 4] and out[0]["findings"][0]["matched"] == "最佳"
    assert out[1] == {"id": 2, "verdict": "pass", "findings": []}
    assert [o["error"]["code"] for o in out[2:]] == [
        "empty_text",
        "unknown_platform",
        "invalid_line",
        "invalid_utf8",
    ]

    target = tmp_path / "out.jsonl"
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(lines[0], ensure_ascii=False) + "\n", encoding="utf-8")
    ok = run_cli(["compliance", "check", "--input", str(good), "--output", str(target)], env)
    assert ok.stdout == "" and json.loads(target.read_text(encoding="utf-8"))["verdict"] == "block"
    missing = run_cli(["compliance", "check", "--input", str(tmp_path / "nope.jsonl")], env, check=False)
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_depth_chooses_the_semantic_opinion_and_a_bad_depth_is_refused(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data")
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": "a", "text": "本店最佳口红"}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    done = run_cli(["compliance", "check", "--input", str(source), "--depth", "fast"], env)
    assert json.loads(done.stdout)["verdict"] == "block"  # full, the default, runs in the test above
    bad = run_cli(["compliance", "check", "--input", str(source), "--depth", "deep"], env, check=False)
    assert bad.returncode == 2 and "unknown depth 'deep'" in bad.stderr
