"""Base classes for request/response schemas."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"


class RequestModel(BaseModel):
    """Request bodies refuse unknown fields."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PublicModel(BaseModel):
    """Response bodies are read from ORM rows."""

    model_config = ConfigDict(from_attributes=True)


Slug = Field(pattern=SLUG_PATTERN, description="Lower-case letters, digits and dashes, 2-63 characters.")
