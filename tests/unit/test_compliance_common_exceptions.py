"""The exceptions every built-in pack shares live in one file (compliance_rules/common_exceptions.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance_rules.engine import Engine
from compliance_rules.errors import RulePackError
from compliance_rules.loader import builtin_pack_paths, builtin_packs, load_common, load_packs, with_common
from compliance_rules.schema import CommonExceptions, SharedException

REFUSED = "“吊打”这种话我们不说，参数对比表放在详情页。"


def test_every_builtin_pack_gets_the_common_exceptions_after_its_own() -> None:
    plain = load_packs(builtin_pack_paths())
    shared = builtin_packs()
    assert [p.pack for p in plain] == [p.pack for p in shared]
    added = {len(s.exceptions) - len(p.exceptions) for p, s in zip(plain, shared, strict=True)}
    assert len(added) == 1 and added.pop() >= 5
    for p, s in zip(plain, shared, strict=True):
        assert s.exceptions[: len(p.exceptions)] == p.exceptions


def test_a_refused_claim_passes_only_with_the_common_exceptions() -> None:
    without = Engine(load_packs(builtin_pack_paths())).check_text(REFUSED)
    assert {f.category for f in without.findings} == {"DISPARAGING"}
    assert Engine.builtin().check_text(REFUSED).verdict == "pass"
    # the claim itself is still caught
    assert Engine.builtin().check_text("吊打友商，参数对比表放在详情页").verdict == "block"


def test_with_common_covers_only_the_listed_categories() -> None:
    common = CommonExceptions(
        version="t",
        exceptions=(SharedException(followed_by="这种话我们不说", categories=("ABSOLUTE_TERMS",)),),
    )
    packs = with_common(load_packs(builtin_pack_paths()), common)
    engine = Engine(packs)
    assert engine.check_text("全网最低这种话我们不说").verdict == "pass"
    assert {f.category for f in engine.check_text("吊打这种话我们不说").findings} == {"DISPARAGING"}


def test_a_malformed_common_file_names_the_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "common.yaml"
    bad.write_text(
        'version: "1"\nexceptions:\n  - followed_by: "不说"\n    categories: [NOT_A_CATEGORY]\n',
        encoding="utf-8",
    )
    with pytest.raises(RulePackError) as caught:
        load_common(bad)
    assert str(bad) in caught.value.message
    assert caught.value.details["line"] == 4
    assert caught.value.details["field"] == "exceptions.0.categories"


def test_a_missing_common_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match="cannot read"):
        load_common(tmp_path / "absent.yaml")
