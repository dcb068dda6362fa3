"""Negation exceptions: a rule hit that the copy itself denies also keeps the models off its category."""

from __future__ import annotations

from compliance_rules.checker import Checker
from compliance_rules.engine import Engine
from compliance_rules.loader import parse
from compliance_rules.models import Source
from compliance_rules.schema import Pack
from compliance_rules.semantic import SemanticOpinion
from pipelines.embeddings.text import HashingEncoder
from tests.unit.test_compliance_semantic import trained

PACK = """\
pack: p
version: '1'
kind: law
title: t
rules:
  - id: E
    category: FALSE_ENDORSEMENT
    message: m
    law_ref: x
    terms: [名医自用]
    exceptions:
      - preceded_by: '(?:不是|并非)'
        window: 4
        negation: true
        note: denied
      - followed_by: '展'
        window: 2
        note: an exhibition's name, not a denial
  - id: R
    category: ABSOLUTE_TERMS
    message: m
    law_ref: x
    terms: [顶配]
    requires: ['汽车']
    exceptions:
      - preceded_by: '不是'
        window: 4
        negation: true
"""


def _engine() -> Engine:
    return Engine([parse(Pack, PACK, "p.yaml")])


def _negated(text: str) -> tuple[set[str], list[str]]:
    negated: set[str] = set()
    findings = _engine().findings(text, None, None, Source.TEXT, None, negated)
    return negated, [f.rule_id for f in findings]


def test_only_a_negation_exception_reports_its_category() -> None:
    assert _negated("这可不是名医自用的款") == ({"FALSE_ENDORSEMENT"}, [])
    assert _negated("名医自用展开幕") == (set(), [])  # excused, but not by a denial
    assert _negated("名医自用的同款") == (set(), ["p/E"])
    assert _negated("这不是顶配的手机") == (set(), [])  # the rule's requires are unmet: no claim to deny
    assert _negated("这台汽车不是顶配") == ({"ABSOLUTE_TERMS"}, [])


def _checker(*, skip: bool) -> Checker:
    encoder = HashingEncoder()
    head = trained(encoder)  # flags FALSE_ENDORSEMENT on copy like 协和的大夫自己家里也用这款
    head.threshold = 0.5
    return Checker(_engine(), None, SemanticOpinion(head, encoder), models_skip_negated=skip)


def test_the_models_leave_a_denied_category_alone() -> None:
    text = "这不是名医自用的同款，协和的大夫自己家里也用这款"
    unskipped = _checker(skip=False).check_copy(text).findings
    assert [(f.category, f.rule_id) for f in unskipped] == [("FALSE_ENDORSEMENT", "semantic/semantic-v1")]
    assert _checker(skip=True).check_copy(text).verdict == "pass"
    # an excuse that is not a denial leaves the model free to warn
    other = _checker(skip=True).check_copy("名医自用展，协和的大夫自己家里也用这款").findings
    assert [f.rule_id for f in other] == ["semantic/semantic-v1"]
