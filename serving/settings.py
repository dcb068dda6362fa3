"""The one settings object (``ATELIER_`` prefix, nested with ``__``), built in the app factory."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipelines.image.config import ImageGenConfig
from pipelines.llm.config import LLMConfig
from pipelines.vision.config import VisionConfig
from serving.generation.copy_settings import CopywritingSettings
from serving.nats_feed.settings import NatsFeedSettings

DEV_PEPPER = "atelier-development-pepper-change-me"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseSettings(_Section):
    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host:5432/atelier. "
        "Unset: SQLite file atelier.db under the data dir.",
    )
    echo: bool = Field(default=False, description="Log every SQL statement.")
    pool_size: int = Field(default=10, ge=1, description="Connection pool size (PostgreSQL).")


class ObjectStoreSettings(_Section):
    backend: Literal["local", "s3"] = Field(default="local", description="local filesystem or S3/MinIO.")
    endpoint: str | None = Field(default=None, description="S3/MinIO endpoint host:port.")
    bucket: str = Field(default="atelier", description="Bucket holding content-addressed blobs.")
    access_key: str | None = Field(default=None, description="S3 access key.")
    secret_key: SecretStr | None = Field(default=None, description="S3 secret key.")
    secure: bool = Field(default=True, description="Use HTTPS to reach the endpoint.")
    region: str | None = Field(default=None, description="S3 region name.")


class AssetSettings(_Section):
    presign_ttl_seconds: int = Field(
        default=900, ge=60, le=7 * 24 * 3600, description="Lifetime of presigned upload and download URLs."
    )
    public_url: str | None = Field(
        default=None,
        description="Base URL clients reach this API at, for the local store's signed URLs; "
        "unset: http://{api.host}:{api.port}.",
    )
    max_bytes: dict[str, int] = Field(
        default_factory=dict,
        description="Per-kind upload limits in bytes overriding the defaults, e.g. {'video': 2147483648}.",
    )
    max_image_pixels: int = Field(default=100_000_000, ge=1, description="Decompression-bomb guard.")
    max_video_seconds: float = Field(default=1800.0, gt=0, description="Longest accepted video or audio.")


class VectorSettings(_Section):
    url: str | None = Field(
        default=None, description="Qdrant server URL; unset: embedded index under the data dir."
    )
    api_key: SecretStr | None = Field(default=None, description="Qdrant API key.")


class RaySettings(_Section):
    address: str | None = Field(
        default=None, description="Ray cluster address (ray://host:10001 or auto); unset: start a local Ray."
    )
    namespace: str = Field(default="atelier", description="Ray namespace for the Serve applications.")
    num_cpus: int | None = Field(default=None, ge=1, description="CPUs for a local Ray; unset: all cores.")
    profile: Path = Field(
        default=Path("gpu_deploy/cpu.yaml"), description="Ray Serve profile (config file) that `serve` runs."
    )


class ApiSettings(_Section):
    host: str = Field(default="127.0.0.1", description="Listen address.")
    port: int = Field(default=8000, ge=1, le=65535, description="Listen port.")
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Largest accepted JSON request body.")
    default_page_size: int = Field(default=50, ge=1, description="Items per page when `limit` is not given.")
    max_page_size: int = Field(default=200, ge=1, description="Largest `limit` a list accepts.")
    cors_origins: list[str] = Field(default_factory=list, description="Origins allowed by CORS.")


class AuthSettings(_Section):
    key_pepper: SecretStr = Field(
        default=SecretStr(DEV_PEPPER),
        description="Server secret mixed into API key hashes (HMAC-SHA256); changing it revokes all keys.",
    )
    session_ttl_hours: int = Field(default=12, ge=1, description="Lifetime of a login session token.")
    caller_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="How long a resolved API key is kept in memory; a revocation made in another process "
        "applies within this time (this process's own auth writes apply at once). 0: look up every request.",
    )


class JobSettings(_Section):
    workers: int = Field(
        default=2, ge=0, description="Jobs run concurrently per API process (0: submit only)."
    )
    lease_seconds: float = Field(
        default=30.0, gt=0, description="A running job's lease; renewed by heartbeats."
    )
    poll_seconds: float = Field(default=0.5, gt=0, description="How often idle workers look for queued jobs.")
    max_attempts: int = Field(default=3, ge=1, description="Attempts before an interrupted job is failed.")


class WebhookSettings(_Section):
    dispatch: bool = Field(
        default=True, description="Run the webhook dispatcher (outbox → signed POSTs) in this API process."
    )
    poll_seconds: float = Field(default=0.5, gt=0, description="How often an idle dispatcher looks for work.")
    batch_size: int = Field(
        default=500, ge=1, le=5000, description="Events fanned out, and deliveries claimed, per round."
    )
    concurrency: int = Field(
        default=64, ge=1, le=1000, description="Requests in flight at once (the HTTP connection pool)."
    )
    rounds_in_flight: int = Field(
        default=3,
        ge=1,
        le=16,
        description="Rounds (fan-out, claim, send, record) run at once, so database work overlaps the POSTs.",
    )
    timeout_seconds: float = Field(default=10.0, gt=0, le=120, description="Per-request timeout.")
    max_attempts: int = Field(
        default=15, ge=1, le=100, description="Tries before a delivery is marked dead (replay revives it)."
    )
    backoff_base_seconds: float = Field(
        default=5.0, gt=0, description="Delay before the first retry; doubles each try (with jitter)."
    )
    backoff_max_seconds: float = Field(default=3600.0, gt=0, description="Longest delay between tries.")
    lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A claimed delivery's lease: another process retries it if not finished by then "
        "(keep it above timeout_seconds).",
    )
    require_https: bool = Field(
        default=False, description="Refuse http:// endpoint URLs (set it in production)."
    )
    max_per_brand: int = Field(default=20, ge=1, le=1000, description="Webhook endpoints a brand may have.")
    allow_private_targets: bool | None = Field(
        default=None,
        description="Allow endpoints on loopback, private, link-local or other non-public addresses and "
        "local names (the SSRF guard off). Default: allowed in development and test, refused in production.",
    )

    @property
    def private_targets_allowed(self) -> bool:
        """Whether deliveries may go to non-public addresses (unset counts as no)."""
        return bool(self.allow_private_targets)


class ReviewSettings(_Section):
    agency_sla_hours: float = Field(default=24.0, gt=0, description="Time an agency reviewer has per item.")
    brand_sla_hours: float = Field(default=24.0, gt=0, description="Time a brand reviewer has per item.")
    auto_assign: bool = Field(
        default=True, description="Assign each item entering a level to the least-loaded eligible reviewer."
    )
    gate_main: bool = Field(
        default=True,
        description="Refuse changes to the default branch unless each changed asset is brand-approved "
        "at that exact version.",
    )
    gate_exempt_prefixes: list[str] = Field(
        default_factory=lambda: ["brand/"],
        description="Paths the merge gate lets through unreviewed (the brand kit: VI pack, logos).",
    )


class SearchSettings(_Section):
    auto_index: bool = Field(
        default=True, description="Queue a search_index job after every commit that moves a branch."
    )
    ocr_on_index: bool = Field(
        default=True, description="Read text in images that look like they hold some (posters) when indexing."
    )
    rrf_k: int = Field(
        default=60, ge=1, le=1000, description="Reciprocal rank fusion constant: score = sum of 1/(k + rank)."
    )
    semantic_min_score: float = Field(
        default=0.25,
        ge=-1,
        le=1,
        description="Least cosine for a semantic text hit (multilingual USE: related text scores 0.3 and up, "
        "unrelated 0.25 and below).",
    )
    image_text_min_score: float = Field(
        default=0.2, ge=-1, le=1, description="Least cosine for a text → image hit (CLIP-like encoders)."
    )
    candidates: int = Field(
        default=100,
        ge=10,
        le=2000,
        description="Hits each search leg contributes before fusion (so also how deep pages go).",
    )
    optimize_after: int = Field(
        default=20_000,
        ge=0,
        description="After this many vector writes to a collection, an index job builds its HNSW graph "
        "(embedded index only; ~75 s per 100k points on 2 cores) so searches stop scanning; 0: never.",
    )
    duplicate_max_hamming: int | None = Field(
        default=None,
        ge=0,
        le=64,
        description="Most pHash bits two near-duplicates may differ in (flips considered); "
        "unset: the vision layer's NEAR_DUPLICATE_MAX_DISTANCE.",
    )
    duplicate_min_cosine: float = Field(
        default=0.95,
        gt=0,
        le=1,
        description="Image-embedding cosine from which two images are near-duplicates.",
    )
    index_batch: int = Field(default=16, ge=1, le=256, description="Assets analysed and written per batch.")
    custom_tag_margin: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="A learned custom-tag threshold lies at most this far below its least typical example.",
    )


class Settings(BaseSettings):
    """Everything Atelier can be configured with. Environment: ``ATELIER_DATABASE__URL`` etc."""

    model_config = SettingsConfigDict(
        env_prefix="ATELIER_", env_nested_delimiter="__", extra="forbid", env_file=None
    )

    env: Literal["development", "test", "production"] = Field(
        default="development", description="Deployment environment; production refuses placeholder secrets."
    )
    data_dir: Path = Field(default=Path("var"), description="All embedded state lives here.")
    model_dir: Path | None = Field(default=None, description="Local model directory (Hugging Face layout).")
    log_level: str = Field(default="INFO", description="Python logging level.")
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    object_store: ObjectStoreSettings = Field(default_factory=ObjectStoreSettings)
    assets: AssetSettings = Field(default_factory=AssetSettings, description="Uploads and asset limits.")
    vector: VectorSettings = Field(default_factory=VectorSettings)
    ray: RaySettings = Field(default_factory=RaySettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    reviews: ReviewSettings = Field(default_factory=ReviewSettings, description="The review queue.")
    webhooks: WebhookSettings = Field(
        default_factory=WebhookSettings, description="Signed webhooks delivered from the event outbox."
    )
    nats: NatsFeedSettings = Field(
        default_factory=NatsFeedSettings, description="The event outbox published to NATS JetStream."
    )
    llm: LLMConfig = Field(default_factory=LLMConfig, description="The copywriting LLM backend and model.")
    copywriting: CopywritingSettings = Field(
        default_factory=CopywritingSettings, description="How copy jobs sample, schedule and retry."
    )
    vision: VisionConfig = Field(default_factory=VisionConfig, description="The image encoder and tagger.")
    image: ImageGenConfig = Field(
        default_factory=ImageGenConfig, description="The diffusion model for image generation jobs."
    )
    search: SearchSettings = Field(default_factory=SearchSettings, description="Asset search and its index.")

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.webhooks.allow_private_targets is None:
            self.webhooks.allow_private_targets = self.env != "production"
        if self.env == "production":
            if self.auth.key_pepper.get_secret_value() == DEV_PEPPER:
                raise ValueError("ATELIER_AUTH__KEY_PEPPER must be set to a real secret in production")
            if self.database.url is None:
                raise ValueError("ATELIER_DATABASE__URL must be set in production (PostgreSQL)")
        return self

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL in force (SQLite under the data dir unless configured)."""
        if self.database.url:
            return self.database.url
        return f"sqlite:///{(self.data_dir / 'atelier.db').resolve()}"

    def llm_config(self) -> LLMConfig:
        """``llm`` with the model dir defaulted from the top-level ``model_dir``."""
        return self.llm.model_copy(update={"model_dir": self.llm.model_dir or self.model_dir})

    def vision_config(self) -> VisionConfig:
        """``vision`` with the model dir defaulted from the top-level ``model_dir``."""
        return self.vision.model_copy(update={"model_dir": self.vision.model_dir or self.model_dir})

    def image_config(self) -> ImageGenConfig:
        """``image`` with the model dir defaulted from the top-level ``model_dir``."""
        return self.image.model_copy(update={"model_dir": self.image.model_dir or self.model_dir})

    def ensure_data_dir(self) -> Path:
        """Create the data dir if needed and return its absolute path."""
        path = self.data_dir.resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path
