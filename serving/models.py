"""Every table of Atelier, imported in one place for Alembic autogenerate and metadata.create_all."""

from asset_store.models import Blob, BlobGrant, Commit, Record, Ref, Tree, TreeRange, UploadSession
from asset_store.sql import Base
from serving.audit.models import AuditEvent
from serving.auth.models import ApiKey
from serving.events.models import OutboxEvent
from serving.jobs.models import Job, JobEvent
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
    "BrandCustomTag",
    "SearchDoc",
    "SearchDuplicate",
    "SearchIndexState",
    "SearchTerm",
    "VisionAnalysis",
]
