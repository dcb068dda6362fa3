"""Text embeddings: a small encoder protocol, the multilingual USE encoder and a cheap hashing one."""

from pipelines.embeddings.text import HashingEncoder, TextEncoder, UseMultilingualEncoder

__all__ = ["HashingEncoder", "TextEncoder", "UseMultilingualEncoder"]
