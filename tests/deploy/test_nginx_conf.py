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


def test_a_body_refused_here_gets_the_apis_json_413_under_api_and_relay():
    """nginx answered an over-large body with its own HTML page, where API.md promises `payload_too_large`."""
    target = re.search(r"error_page 413 = \$(\w+);", SITE).group(1)
    routes = dict(
        re.findall(
            r"\n\s+(~\S+|default)\s+(/\S+);", re.search(rf"map \$uri \${target} \{{(.*?)\}}", SITE, re.S).group(1)
        )
    )
    assert routes == {"~^/(api|relay)/": "/__hirewall_413.json", "default": "/__hirewall_413.txt"}
    json_location = re.search(r"location = /__hirewall_413\.json \{(.*?)\n    \}", SITE, re.S).group(1)
    assert "internal;" in json_location
    assert "default_type application/json;" in json_location
    assert (
        '\'{"code": "payload_too_large", "detail": "The request body is larger than the platform accepts."}\''
        in json_location
    )
