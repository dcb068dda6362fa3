"""Keyword terms for the inverted index: Latin words and numbers, and Chinese character bigrams.

A query matches a document when they share terms, so "口红新色" finds "双11口红新色上市" (bigrams 口红, 红新,
新色) and "Lipstick" finds "lipstick-red.png". Reserved terms (``~`` prefix) link lineage; the tokeniser
never makes them, so a query cannot reach them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_DOC_TERMS = 256
MAX_QUERY_TERMS = 16
MAX_TERM_CHARS = 48
_TOKEN = re.compile(r"[0-9a-z]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CJK_START = "\u3400"


def _tokens(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    for run in _TOKEN.findall(folded):
        if run[0] >= _CJK_START:
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
