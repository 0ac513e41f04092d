"""Each audit test writes its digests to a file and a mirror of its own, so no test reads another's signed heads."""

import pytest


@pytest.fixture(autouse=True)
def digest_file(settings, tmp_path):
    settings.AUDIT_DIGEST_FILE = str(tmp_path / "digests.log")
    settings.AUDIT_DIGEST_MIRROR_DIR = ""
    return tmp_path / "digests.log"


@pytest.fixture
def mirror_dir(settings, tmp_path):
    settings.AUDIT_DIGEST_MIRROR_DIR = str(tmp_path / "mirror")
    return tmp_path / "mirror"
