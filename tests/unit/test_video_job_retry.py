"""Which renderer failures the ``video`` job retries: the connection or a lost replica, never its own
cancel, a coded error or an error raised by the replica's code (the integration tests retry for real)."""

from __future__ import annotations

import pytest

from serving.errors import ServiceUnavailable
from serving.generation.video_job import _transient
from serving.jobs.kinds import JobCancelled


def _ray_error(name: str) -> Exception:
    """An exception of a class that lives in a ``ray`` module, as Ray's own do."""
    cls = type(name, (Exception,), {"__module__": "ray.exceptions"})
    error: Exception = cls("the replica is gone")
    return error


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (ConnectionError("reset by peer"), True),
        (TimeoutError("no answer"), True),
        (_ray_error("ActorDiedError"), True),
        (_ray_error("RayTaskError"), False),  # the replica's code raised: it would raise again
        (JobCancelled(), False),
        (ServiceUnavailable("no video deployment", code="video_renderer_unavailable"), False),
        (RuntimeError("a bug"), False),
        (ValueError("bad plan"), False),
    ],
)
def test_only_failures_in_transit_are_retried(error: Exception, retried: bool) -> None:
    assert _transient(error) is retried
