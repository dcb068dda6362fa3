"""Keyword terms for the inverted index: Latin words and numbers, Chinese character bigrams, and the words of
other scripts (bigrams for Japanese kana, Korean and Thai, which have no spaces; whole words for Greek,
Cyrillic, Hebrew, Arabic and Devanagari).

A query matches a document when they share terms, so "口红新色" finds "双11口红新色上市" (bigrams 口红, 红新,
新色), "Lipstick" finds "lipstick-red.png" and "кофе" finds "Кофе с молоком". Reserved terms (``~``
prefix) link lineage and name an image's colours; the tokeniser never makes them, so a query cannot reach
them but through the code that means to.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_DOC_TERMS = 256
MAX_QUERY_TERMS = 16
MAX_TERM_CHARS = 48
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_UNSPACED = "\u0e00-\u0e7f\u3040-\u30ff\u31f0-\u31ff\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
"""Thai, Japanese kana and Korean Hangul: written without spaces between words, so cut into bigrams."""
_SPACED = "\u0370-\u03ff\u0400-\u052f\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u0900-\u097f"
"""Greek, Cyrillic, Hebrew, Arabic and Devanagari: words between spaces and punctuation."""
_TOKEN = re.compile(rf"[0-9a-z]+|[{_HAN}]+|[{_UNSPACED}]+|[{_SPACED}]+")
_BIGRAMS = re.compile(rf"[{_HAN}{_UNSPACED}]")


def _tokens(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    for run in _TOKEN.findall(folded):
        if _BIGRAMS.match(run):
            out.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        elif len(run) >= 2 or run.isdigit():
            out.append(run[:MAX_TERM_CHARS])
    return out


def _unique(items: list[str], limit: int) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
            if len(out) == limit:
                break
    return out


def doc_terms(*texts: str | None, limit: int = MAX_DOC_TERMS) -> list[str]:
    """The distinct terms of a document's texts, first ones first, at most ``limit``."""
    tokens: list[str] = []
    for text in texts:
        if text:
            tokens.extend(_tokens(text))
    return _unique(tokens, limit)


def query_terms(text: str) -> list[str]:
    """The distinct terms of a query (at most ``MAX_QUERY_TERMS``)."""
    return _unique(_tokens(text), MAX_QUERY_TERMS)


def lineage_term(kind: str, value: str) -> str:
    """A reserved term naming a lineage source (``kind`` 'path' or 'blob')."""
    return f"~{kind}:{hashlib.sha256(value.encode()).hexdigest()[:24]}"
