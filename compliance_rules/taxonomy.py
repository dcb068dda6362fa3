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
        "tobacco",
        "travel",
    }
)
PLATFORMS = frozenset(
    {"bilibili", "douyin", "kuaishou", "offline_screen", "taobao", "wechat", "weibo", "xiaohongshu"}
)
ALIASES = {
    # platforms
    "tmall": "taobao",
    "tb": "taobao",
    "wechat_channels": "wechat",
    "channels": "wechat",
    "shipinhao": "wechat",
    "weixin": "wechat",
    "red": "xiaohongshu",
    "xhs": "xiaohongshu",
    "rednote": "xiaohongshu",
    "tiktok_cn": "douyin",
    "offline": "offline_screen",
    "outdoor": "offline_screen",
    "bili": "bilibili",
    # industries
    "finance": "finance_insurance",
    "insurance": "finance_insurance",
    "food": "food_beverage",
    "beverage": "food_beverage",
    "medical_devices": "medical_device",
    "baby": "mother_baby",
    "maternal": "mother_baby",
    "maternity": "mother_baby",
    "kids": "mother_baby",
    "drug": "pharma",
    "drugs": "pharma",
    "medicine": "pharma",
    "pharmaceutical": "pharma",
    "game": "games",
    "gaming": "games",
    "fitness": "sports",
    "sport": "sports",
    "home": "home_furnishing",
    "furniture": "home_furnishing",
    "appliances": "home_appliances",
    "beauty": "cosmetics",
    "skincare": "cosmetics",
    "supplements": "health_food",
    "property": "real_estate",
    "realestate": "real_estate",
    "pets": "pet",
    "tourism": "travel",
    "jewellery": "jewelry",
    "liquor": "alcohol",
    "wine": "alcohol",
    "fashion": "apparel",
    "clothing": "apparel",
    "automotive": "auto",
    "cars": "auto",
    "ecommerce": "retail",
    "general": "other",
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
