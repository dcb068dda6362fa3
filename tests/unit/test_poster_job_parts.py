"""The pure parts of the poster and creative jobs: copy in poster shape, the palette blend rule, poster
status, the poster worker's template fallback, and the gateway payload across a (pickled) Serve handle."""

from __future__ import annotations

import asyncio
import pickle
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from compliance_rules.brand import BrandVI
from compliance_rules.media_checks import blend_explained
from compliance_rules.models import Finding, Severity, Source
from compliance_rules.vi_pixels import ColorShare, hex_to_lab
from eval.benches.poster import fixtures
from pipelines.poster import PosterCopy
from serving.deploy_profile import load_profile
from serving.deployments.poster import PosterDeployment
from serving.gateway.poster_models import PosterCall, PosterItem, PosterWorker
from serving.gateway.ray_serve import RayServeGateway
from serving.generation.creative_job import CreativeJobBrief
from serving.generation.poster_checks import poster_status
from serving.generation.poster_copy import copy_from_fields, copy_from_text, lead, with_required_disclaimers

VI = BrandVI.model_validate(
    {
        "brand": "acme",
        "version": "1",
        "required_disclaimers": ["图片仅供参考"],
        "palette": [{"name": "red", "hex": "#E60012"}, {"name": "blue", "hex": "#1F3A93"}],
    }
)


def test_lead_takes_the_first_sentence_cut_at_a_clause() -> None:
    assert lead("早八通勤也能快速上脸。午后补涂不搓泥。", 30) == "早八通勤也能快速上脸。"
    assert lead("质地清爽不黏腻，搭配滴管按压瓶便于控制用量，出门也方便", 16) == "质地清爽不黏腻"
    assert lead("一二三四五六七八九十一二三四五六七八", 10) == "一二三四五六七八九十"


@pytest.mark.parametrize(
    ("fields", "headline", "subhead"),
    [
        (
            {"title": "清爽一夏", "body": "早八也能快速上脸。不搓泥。", "hashtags": ["护肤"]},
            "清爽一夏",
            "早八也能快速上脸。",
        ),
        ({"hook": "三秒上脸", "lines": ["清爽不黏", "通勤必备"], "cta": "点击购买"}, "三秒上脸", "清爽不黏"),
        ({"slogan": "清爽一夏", "subline": "澄光维C精华"}, "清爽一夏", "澄光维C精华"),
        (
            {"headline": "新品上市", "summary": "澄光维C精华液，清爽上脸。"},
            "新品上市",
            "澄光维C精华液，清爽上脸。",
        ),
        (
            {"text": "夏天就要清爽。澄光维C精华陪你通勤。", "hashtags": ["夏天"]},
            "夏天就要清爽。",
            "澄光维C精华陪你通勤。",
        ),
    ],
)
def test_every_copy_shape_gives_a_headline_and_subhead(
    fields: dict[str, Any], headline: str, subhead: str
) -> None:
    content = copy_from_fields(fields, "", selling_points=["含15%稳定型维C衍生物", "质地清爽"], price="¥99")
    assert (content.headline, content.subhead, content.price) == (headline, subhead, "¥99")
    assert content.selling_points == ("含15%稳定型维C衍生物", "质地清爽")


def test_listing_selling_points_and_plain_text() -> None:
    listing = copy_from_fields({"title": "声屿Air3降噪耳机", "selling_points": ["主动降噪", "续航8小时"]})
    assert listing.selling_points == ("主动降噪", "续航8小时") and listing.subhead is None
    plain = copy_from_text("轻盈防晒\n一抹成膜\n第三行")
    assert (plain.headline, plain.subhead) == ("轻盈防晒", "一抹成膜")
    with pytest.raises(ValueError, match="empty"):
        copy_from_text(" \n")


def test_required_disclaimers_are_added_once() -> None:
    content = with_required_disclaimers(PosterCopy(headline="新品", disclaimer="活动以店铺为准"), VI)
    assert content.disclaimer == "活动以店铺为准 图片仅供参考"
    assert with_required_disclaimers(content, VI) == content
    assert with_required_disclaimers(content, None) == content


def _share(hex_: str) -> ColorShare:
    return ColorShare(hex=hex_, lab=hex_to_lab(hex_), share=0.2)


def test_tints_and_gradients_of_brand_colours_are_on_palette_others_are_not() -> None:
    assert blend_explained(_share("#F38088"), VI)  # red at half strength over white
    assert blend_explained(_share("#821D52"), VI)  # half-way on a red → blue gradient
    assert not blend_explained(_share("#00A650"), VI)  # green
    assert not blend_explained(_share("#FFC72C"), VI)  # yellow is not this brand's


def _finding(category: str, severity: Severity) -> Finding:
    return Finding(category=category, rule_id=f"x/{category}", severity=severity, source=Source.IMAGE)


def test_poster_status_flags_blocks_and_vi_warnings_only() -> None:
    assert poster_status([])[1] == "ok"
    assert poster_status([_finding("ABSOLUTE_TERMS", Severity.BLOCK)]) == ("block", "flagged")
    assert poster_status([_finding("BRAND_OFF_PALETTE", Severity.WARN)]) == ("warn", "flagged")
    assert poster_status([_finding("BRAND_REQUIRED_WORD_MISSING", Severity.WARN)]) == ("warn", "ok")
    assert poster_status([_finding("BRAND_LOGO_UNAVAILABLE", Severity.INFO)])[1] == "ok"


def _call(content: PosterCopy, templates: tuple[str, ...], drop: bool = False) -> PosterCall:
    kit, product, _ = fixtures()
    item = PosterItem(
        index=0, content=content, templates=templates, palette=kit.palette, seed=1, drop_optional=drop
    )
    return PosterCall(brand=kit, items=(item,), sizes=("taobao",), product=product)


def test_worker_falls_back_to_a_template_that_fits_then_drops_optional_text() -> None:
    worker = PosterWorker(ocr=None)
    long_sub = PosterCopy(headline="夏日新品", subhead="植物萃取温和不刺激，长效保湿一整天都水润" * 3)
    strict = worker.compose(_call(long_sub, ("big_type_minimal",))).posters[0]
    assert strict.error == "text_does_not_fit" and strict.field is not None and "subhead" in strict.field
    dropped = worker.compose(_call(long_sub, ("big_type_minimal",), drop=True)).posters[0]
    assert dropped.error is None and dropped.dropped == ("subhead", "selling_points")
    assert dropped.renditions[0].spec.size.name == "taobao" and dropped.renditions[0].png[:4] == b"\x89PNG"


class _Method:
    def __init__(self, target: Any) -> None:
        self.target = target

    async def remote(self, payload: Any) -> Any:
        return pickle.loads(pickle.dumps(await self.target(pickle.loads(pickle.dumps(payload)))))


class _Handle:
    def __init__(self, deployment: PosterDeployment) -> None:
        self.compose = _Method(deployment.compose)


def test_posters_cross_a_serve_handle_as_plain_payloads() -> None:
    deployment = PosterDeployment()
    deployment._worker = PosterWorker(ocr=None)
    gateway = RayServeGateway(echo_handle=None, poster_handle=_Handle(deployment))
    reply = asyncio.run(gateway.compose_posters(_call(PosterCopy(headline="新品上市"), ("centred_hero",))))
    (poster,) = reply.posters
    assert poster.error is None and poster.template == "centred_hero" and len(poster.renditions) == 1
    missing = asyncio.run(
        RayServeGateway(echo_handle=None).compose_posters(_call(PosterCopy(headline="x"), ("centred_hero",)))
    )
    assert missing.error == "unavailable"


def test_creative_brief_sizes_by_platform_and_bounds() -> None:
    base = {"brand": "澄光", "product": "精华液", "platform": "douyin"}
    assert CreativeJobBrief.model_validate(base).sizes() == ("douyin", "xiaohongshu")
    chosen = CreativeJobBrief.model_validate(base | {"poster": {"sizes": ["taobao"]}})
    assert chosen.sizes() == ("taobao",)
    with pytest.raises(ValidationError, match="renditions"):
        CreativeJobBrief.model_validate(base | {"num_variants": 200, "poster": {"sizes": list(_five())}})
    with pytest.raises(ValidationError, match="unknown platform size"):
        CreativeJobBrief.model_validate(base | {"poster": {"sizes": ["instagram"]}})


def _five() -> tuple[str, ...]:
    return ("xiaohongshu", "douyin", "taobao", "wechat_cover", "offline_screen")


def test_both_profiles_run_a_cpu_poster_deployment() -> None:
    root = Path(__file__).resolve().parents[2] / "gpu_deploy"
    for name in ("cpu.yaml", "gpu.yaml"):
        args = load_profile(root / name).applications[0].args
        assert args.poster is not None and args.poster.num_gpus == 0
    cpu = load_profile(root / "cpu.yaml").applications[0].args
    parts = [getattr(cpu, name) for name in type(cpu).model_fields]  # every deployment, video included
    assert sum(part.num_cpus for part in parts if part is not None) == pytest.approx(2.0)  # fits 2 cores
