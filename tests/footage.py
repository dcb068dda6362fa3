"""Sample footage shared by a test session: each size is made once, then only read by the tests."""

from __future__ import annotations

import pytest

from pipelines.video.samples import SampleSet, make_sample_footage


def shared_sample_footage(tmp_path_factory: pytest.TempPathFactory, long_side: int = 640) -> SampleSet:
    """The sample clips and music at ``long_side`` pixels, in one folder per size under the session's
    base temp (``make_sample_footage`` keeps the files it finds, so later calls only describe them).
    Callers must not write into that folder."""
    folder = tmp_path_factory.getbasetemp() / f"sample-footage-{long_side}"
    return make_sample_footage(folder, long_side=long_side)
