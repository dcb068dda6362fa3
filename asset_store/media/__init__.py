"""Upload validation, type sniffing and previews for the asset store.

``inspect_file`` refuses bad uploads with ``InvalidAsset`` (HTTP 422), ``AssetTooLarge`` (413) or
``MissingDependency`` (503, ffmpeg/ffprobe absent). Stable error codes:

- ``empty_file``: zero bytes
- ``unknown_type``: no known format in the first bytes
- ``type_mismatch``: the declared kind or content type disagrees with the bytes
- ``corrupt_file``: cannot be decoded, truncated, or a tool timed out on it
- ``decompression_bomb``: too many pixels, or an archive that expands too far
- ``asset_too_large``: bytes over the kind's limit, or a video over ``max_video_seconds``
- ``invalid_text``: copy that is not UTF-8 or contains NUL
- ``invalid_template``: a template that is not a JSON object or a safe SVG
- ``invalid_brand_kit``: a brand kit with unsafe archive members, encryption, or no JSON/YAML object
"""

from __future__ import annotations

from asset_store.media.inspect import inspect_file, normalize_content_type, resolve_type
from asset_store.media.kinds import AssetKind, MediaInfo, SizeLimits
from asset_store.media.previews import Preview, PreviewRole, make_previews
from asset_store.media.sniff import HEAD_SIZE, Sniffed, sniff

__all__ = [
    "HEAD_SIZE",
    "AssetKind",
    "MediaInfo",
    "Preview",
    "PreviewRole",
    "SizeLimits",
    "Sniffed",
    "inspect_file",
    "make_previews",
    "normalize_content_type",
    "resolve_type",
    "sniff",
]
