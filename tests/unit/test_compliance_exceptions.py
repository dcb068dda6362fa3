"""Reviewed exceptions: a brand's marked false alarms are excused by rule and normalised matched text."""

from __future__ import annotations

from compliance_rules.checker import Checker
from compliance_rules.exceptions import ExceptionSet, Excuse, matched_key
from compliance_rules.models import Verdict

TEXT = "全网最好的面霜，根治痘痘。"  # two rule findings


def test_matched_key_normalises_width_case_and_script() -> None:
    assert matched_key("ＺＵＩ好") == matched_key("zui好")
    assert matched_key("國家級") == matched_key("国家级")


def test_an_exception_excuses_only_its_rule_on_its_text() -> None:
    checker = Checker.builtin()
    plain = checker.check_copy(TEXT)
    target = next(f for f in plain.findings if f.category == "ABSOLUTE_TERMS")
    excuses = ExceptionSet([Excuse("rvx_1", target.rule_id, matched_key(target.matched))])
    result = checker.check_copy(TEXT, exceptions=excuses)
    assert [(e.exception_id, e.finding) for e in result.excused] == [("rvx_1", target)]
    assert target not in result.findings
    assert len(result.findings) == len(plain.findings) - 1
    # the same rule on other text, and other rules on this text, still fire
    other = checker.check_copy("销量第一的面霜", exceptions=excuses)
    assert any(f.category == "ABSOLUTE_TERMS" for f in other.findings) and other.excused == []


def test_excusing_every_blocking_finding_changes_the_verdict() -> None:
    checker = Checker.builtin()
    plain = checker.check_copy(TEXT)
    assert plain.verdict is Verdict.BLOCK
    rules = [f for f in plain.findings if f.matched]  # a model may add a warning at its secondary bar
    everything = ExceptionSet(
        Excuse(f"rvx_{i}", f.rule_id, matched_key(f.matched)) for i, f in enumerate(rules)
    )
    result = checker.check_copy(TEXT, exceptions=everything)
    assert result.findings == [] and result.verdict is Verdict.PASS and len(result.excused) == len(rules)


def test_once_every_rule_finding_is_excused_the_models_lose_their_secondary_bar() -> None:
    """A model names a further category at its lower bar only while an unexcused finding flags the text."""
    checker = Checker.builtin()
    text = "全网最好的面霜，用了斑淡了。"
    plain = checker.check_copy(text)
    rules = [f for f in plain.findings if f.matched]
    models = [f for f in plain.findings if not f.matched]
    assert rules and models  # the rules flag 全网最好; a model adds the skin claim at its secondary bar
    everything = ExceptionSet(
        Excuse(f"rvx_{i}", f.rule_id, matched_key(f.matched)) for i, f in enumerate(rules)
    )
    result = checker.check_copy(text, exceptions=everything)
    assert result.verdict is Verdict.PASS and result.findings == [] and len(result.excused) == len(rules)


def test_an_empty_set_changes_nothing() -> None:
    checker = Checker.builtin()
    assert checker.check_copy(TEXT, exceptions=ExceptionSet()) == checker.check_copy(TEXT)


def test_text_read_off_an_image_honours_the_exceptions_too() -> None:
    """OCR lines go through the same checker: excusing every rule finding drops the models' secondary bar."""
    from PIL import Image

    from compliance_rules.media_checks import check_image
    from pipelines.ocr import OcrLine

    checker = Checker.builtin()
    text = "全网最好的面霜，用了斑淡了。"
    line = OcrLine(text=text, box=((0, 0), (100, 0), (100, 20), (0, 20)), score=0.99)
    image = Image.new("RGB", (120, 40), "white")
    plain = check_image(checker, image, ocr=lambda _: [line])
    rules = [f for f in plain if f.matched]
    assert rules and any(not f.matched for f in plain)
    everything = ExceptionSet(
        Excuse(f"rvx_{i}", f.rule_id, matched_key(f.matched)) for i, f in enumerate(rules)
    )
    excused = check_image(checker, image, ocr=lambda _: [line], exceptions=everything)
    assert [f for f in excused if not f.matched] == []
    assert checker.result(excused, text, everything).verdict is Verdict.PASS
