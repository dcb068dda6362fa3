"""Every table of Atelier, imported in one place for Alembic autogenerate and metadata.create_all."""

from asset_store.models import Blob, BlobGrant, Commit, Record, Ref, Tree, TreeRange, UploadSession
from asset_store.sql import Base
from serving.audit.models import AuditEvent
from serving.auth.models import ApiKey
from serving.events.models import OutboxEvent
from serving.experiments.models import (
    Experiment,
    ExperimentArm,
    ExperimentMetric,
    ExperimentWeightChange,
)
from serving.jobs.models import Job, JobEvent
from serving.nats_feed.models import EventFeedLease
from serving.reviews.models import ReviewComment, ReviewDecision, ReviewedException, ReviewItem
from serving.tenancy.models import Agency, AgencyAssignment, Brand, Membership, Region, User
from serving.vision.models import (
    BrandCustomTag,
    SearchDoc,
    SearchDuplicate,
    SearchIndexState,
    SearchTerm,
    VisionAnalysis,
)
from serving.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = [
    "Blob",
    "BlobGrant",
    "Commit",
    "Record",
    "Ref",
    "Tree",
    "TreeRange",
    "UploadSession",
    "Agency",
    "AgencyAssignment",
    "ApiKey",
    "AuditEvent",
    "EventFeedLease",
    "Base",
    "Brand",
    "Job",
    "JobEvent",
    "Membership",
    "OutboxEvent",
    "Region",
    "ReviewComment",
    "ReviewDecision",
    "ReviewItem",
    "ReviewedException",
    "User",
    "Experiment",
    "ExperimentArm",
    "ExperimentMetric",
    "ExperimentWeightChange",
    "BrandCustomTag",
    "SearchDoc",
    "SearchDuplicate",
    "SearchIndexState",
    "SearchTerm",
    "VisionAnalysis",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
]
