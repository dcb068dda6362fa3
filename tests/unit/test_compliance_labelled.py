"""Labelled JSONL for the second opinions: categories or a case file's expected, one group per file, and a
bad line named by file and line (the CLI turns it into a usage error)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from compliance_rules.labelled import read_labelled
from serving.cli.main import app


def test_lines_their_categories_and_their_file(tmp_path: Path) -> None:
    first = tmp_path / "a.jsonl"
    first.write_text('{"text": "全网最低", "categories": ["ABSOLUTE_TERMS"]}\n\n{"text": "新品上市"}\n')
    second = tmp_path / "cases.jsonl"
    second.write_text('{"text": "加我微信", "expected": ["PLATFORM_DIVERSION"]}\n')
    texts, labels, groups = read_labelled([first, second])
    assert texts == ["全网最低", "新品上市", "加我微信"]
    assert labels == [{"ABSOLUTE_TERMS"}, set(), {"PLATFORM_DIVERSION"}]
    assert groups == [0, 0, 1]


def test_a_bad_line_names_its_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"no_text": 1}\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: "):
        read_labelled([bad])
    result = CliRunner().invoke(
        app, ["compliance", "train", "--data", str(bad), "--output", str(tmp_path / "m.npz")]
    )
    assert result.exit_code == 2 and "bad.jsonl:2" in result.output
    assert not (tmp_path / "m.npz").exists()
