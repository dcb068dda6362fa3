"""The industries and platforms a check may name; anything else is refused, not silently ignored."""

from __future__ import annotations

from compliance_rules.errors import InvalidCheckInput

INDUSTRIES = frozenset(
    {
        "alcohol",
        "apparel",
        "auto",
        "cosmetics",
        "education",
        "electronics",
        "finance_insurance",
        "food_beverage",
        "games",
        "health_food",
        "home_appliances",
        "home_furnishing",
        "jewelry",
        "medical_device",
        "mother_baby",
        "other",
        "pet",
        "pharma",
        "real_estate",
        "retail",
        "sports",
        "travel",
    }
)
PLATFORMS = frozenset(
    {"bilibili", "douyin", "kuaishou", "offline_screen", "taobao", "wechat", "weibo", "xiaohongshu"}
)
ALIASES = {
    "tmall": "taobao",
    "wechat_channels": "wechat",
    "channels": "wechat",
    "red": "xiaohongshu",
    "tiktok_cn": "douyin",
    "finance": "finance_insurance",
    "insurance": "finance_insurance",
    "food": "food_beverage",
    "medical_devices": "medical_device",
}


def resolve_industry(value: str | None) -> str | None:
    """The canonical industry name, or InvalidCheckInput naming the known ones."""
    return _resolve(value, INDUSTRIES, "industry")


def resolve_platform(value: str | None) -> str | None:
    """The canonical platform name, or InvalidCheckInput naming the known ones."""
    return _resolve(value, PLATFORMS, "platform")


def _resolve(value: str | None, known: frozenset[str], what: str) -> str | None:
    if value is None or value == "":
        return None
    name = ALIASES.get(value.strip().lower(), value.strip().lower())
    if name not in known:
        raise InvalidCheckInput(
            f"unknown {what} {value!r}; known: {', '.join(sorted(known))}",
            code=f"unknown_{what}",
            details={what: value, "known": sorted(known)},
        )
    return name
