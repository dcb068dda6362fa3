"""The built-in packs on hand-written cases (not from the dev or held-out sets): each expected category is
found, and a case with no expected category passes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compliance_rules.engine import Engine
from compliance_rules.loader import builtin_pack_paths, load_packs

DATA = Path(__file__).parent / "data"


def _cases() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(DATA.glob("compliance_*_cases.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                case["expected"] = case.get("expected", case.get("categories", []))
                cases.append(case)
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.builtin()  # the shipped packs with the common exceptions


def test_there_are_cases_for_every_pack_family() -> None:
    assert len(CASES) >= 30
    assert {c["id"] for c in CASES} == {c["id"] for c in CASES if c["id"]}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(engine: Engine, case: dict[str, Any]) -> None:
    result = engine.check_text(case["text"], industry=case.get("industry"), platform=case.get("platform"))
    found = {f.category for f in result.findings}
    if case["expected"]:
        assert set(case["expected"]) <= found, (case["note"], result.findings)
    else:
        assert result.verdict == "pass", (case["note"], result.findings)


def test_every_builtin_pack_loads_and_every_rule_has_a_legal_basis_or_spec_code() -> None:
    packs = load_packs(builtin_pack_paths())
    assert {p.kind for p in packs} == {"law", "general", "industry", "platform"}
    for pack in packs:
        for rule in pack.rules:
            assert rule.law_ref or rule.category.startswith(("SPEC_", "PLATFORM_")), f"{pack.pack}/{rule.id}"
