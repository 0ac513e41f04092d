"""deploy/nginx/hirewall.conf agrees with the settings: upload limit, client address header."""

import re
from pathlib import Path

from django.conf import settings

from resumes.services import PHOTO_MAX_BYTES

SITE = (Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "hirewall.conf").read_text()
MEGABYTE = 1024 * 1024


def test_body_limit_admits_the_largest_upload_and_little_more():
    limit = int(re.search(r"client_max_body_size (\d+)m;", SITE).group(1)) * MEGABYTE

    assert limit > max(settings.LICENCE_MAX_BYTES, PHOTO_MAX_BYTES)
    # Room for a multipart envelope, not for a second licence.
    assert limit <= settings.LICENCE_MAX_BYTES + 2 * MEGABYTE


def test_proxy_sets_the_header_client_ip_meta_key_reads():
    # CLIENT_IP_META_KEY=HTTP_X_REAL_IP in production (README); the header is set, never appended.
    assert "proxy_set_header X-Real-IP $remote_addr;" in SITE
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in SITE
