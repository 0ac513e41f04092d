"""What a request tells about its client: address, user agent, device id."""

import ipaddress
import re

from django.conf import settings
from django.http import HttpRequest

DEVICE_ID_HEADER = "HTTP_X_DEVICE_ID"
DEVICE_ID_COOKIE = "hw_device"
_DEVICE_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
USER_AGENT_MAX_LENGTH = 512


def client_ip(request: HttpRequest) -> str | None:
    # Behind a proxy, CLIENT_IP_META_KEY names the header the proxy sets; the
    # first address of a forwarded list is the client's.
    value = request.META.get(settings.CLIENT_IP_META_KEY) or request.META.get("REMOTE_ADDR") or ""
    value = value.split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


# The bucket of requests that name no usable address (a misconfigured proxy, a Unix socket): they are
# limited together rather than not at all.
UNKNOWN_CLIENT_IP = "0.0.0.0"  # noqa: S104 (a counting bucket, never an address to bind)


def rate_limit_ip(request: HttpRequest) -> str:
    """The address django-ratelimit counts a request under (RATELIMIT_IP_META_KEY)."""
    return client_ip(request) or UNKNOWN_CLIENT_IP


def user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH]


def device_id(request: HttpRequest) -> str:
    """The client's install id from X-Device-Id, else the web UI's hw_device cookie; junk is dropped."""
    candidate = request.META.get(DEVICE_ID_HEADER) or request.COOKIES.get(DEVICE_ID_COOKIE) or ""
    candidate = candidate.strip()
    return candidate if _DEVICE_ID_PATTERN.match(candidate) else ""
