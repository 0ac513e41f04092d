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
    return canonical_ip(value.split(",")[0].strip())


def canonical_ip(value: str) -> str | None:
    """The address as PostgreSQL's inet gives it back, or None when `value` is not one.

    What the audit chain hashes must be what the database returns: Python 3.11 writes an IPv4-mapped
    address as ::ffff:a00:1, inet as ::ffff:10.0.0.1 (and Django's field, on SQLite, as yet another
    spelling of the deprecated IPv4-compatible ::10.0.0.1). So an IPv4 client seen through an IPv6
    socket, mapped or compatible, is its IPv4 address, which every layer writes alike; a zone (%eth0)
    names the server's interface, and inet refuses it.
    """
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if address.version == 4:
        return str(address)
    address = ipaddress.IPv6Address(address.packed)  # without its zone
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    packed = address.packed
    if packed[:12] == bytes(12) and packed[12:14] != bytes(2):  # IPv4-compatible; not ::, ::1 or ::ffff
        return str(ipaddress.IPv4Address(packed[12:]))
    return str(address)


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
