"""Text embeddings: a small encoder protocol, the multilingual USE encoder and a cheap hashing one."""

from pipelines.embeddings.text import E5SmallEncoder, HashingEncoder, TextEncoder, UseMultilingualEncoder

__all__ = ["E5SmallEncoder", "HashingEncoder", "TextEncoder", "UseMultilingualEncoder"]
