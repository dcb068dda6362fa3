"""Whether a text presents itself as reporting (news, 普法, 科普, investor education, a museum notice) and
sells nothing: then the statistical second opinions, which read topic more than intent, stay silent. The
rules still run (their own context exceptions decide), so an advert dressed as news is still caught by them.
"""

from __future__ import annotations

import re

_HEADER = re.compile(
    r"^[【#]?(?:[\u4e00-\u9fff]{0,3}(?:博物馆|博物院|美术馆|纪念馆)|普法|法治|科普|冷知识|新闻|快讯|资讯|时政|"
    r"投资者教育|风险提示|反诈|防骗|防诈|消费提示|消费警示|消费预警|安全提示|辟谣|展讯|消协提醒|市场监管提醒)"
)
# (r15) a text that opens by quoting the Advertising Law's prohibitions ("《广告法》第九条禁止使用‘国家级’…")
_LAW_QUOTE = re.compile(
    r"^《?广告法》?(?:第[\d一二三四五六七八九十百]+条)?[^。!?]{0,8}(?:规定|禁止|明确|不得|要求)"
)
_TAG = re.compile(r"(?:科普|普法|新闻|辟谣)[)\]】]?$")
SELLING_CUE = (
    r"本店|本品|我们(?:的|家)(?!队员|记者|编辑|志愿者|团队|会员|读者|观众|粉丝)|我家的|这款|同款|选它|用它|喝它|吃它|"
    r"下单|购买(?!前|时|后请|渠道)|抢购|到手|拍下|链接|优惠|折扣|立减|包邮|限时|\d+(?:\.\d+)?元|¥|"
    r"推荐(?!去|阅读|收看)|指定|专用|特供|加微信|私信|咨询|领取|报名|扫码"
)
"""Words that show a text sells something (normalised text). The one list: framing here, and the packs'
``sells_nothing`` exceptions (``compliance_rules.compiled``)."""
SELLING = re.compile(SELLING_CUE)
"""The cues compiled once, for framing and for the compiled packs."""


def is_reporting(normalized: str) -> bool:
    """True for a normalised text that opens as reporting or education and carries no selling cue."""
    # a tag closes the text (…（科普）): only its last few characters can hold one
    framed = (
        _HEADER.match(normalized) is not None
        or _LAW_QUOTE.match(normalized) is not None
        or _TAG.search(normalized[-4:]) is not None
    )
    return framed and SELLING.search(normalized) is None
