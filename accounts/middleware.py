"""Give every web browser a long-lived random device id (the hw_device cookie) that login events record."""

import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .request_info import DEVICE_ID_COOKIE, DEVICE_ID_HEADER

DEVICE_ID_COOKIE_MAX_AGE = 2 * 365 * 24 * 60 * 60
# API clients send X-Device-Id themselves; only the web UI and the admin get the cookie.
_EXEMPT_PREFIXES = ("/api/", "/static/", "/healthz", "/relay/")


class DeviceIdCookieMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        issued = ""
        if (
            not request.path.startswith(_EXEMPT_PREFIXES)
            and not request.COOKIES.get(DEVICE_ID_COOKIE)
            and not request.META.get(DEVICE_ID_HEADER)
        ):
            # Visible to this very request too, so a first-visit login records the id it is given.
            issued = uuid.uuid4().hex
            request.COOKIES[DEVICE_ID_COOKIE] = issued
        response = self.get_response(request)
        if issued and DEVICE_ID_COOKIE not in response.cookies:
            response.set_cookie(
                DEVICE_ID_COOKIE,
                issued,
                max_age=DEVICE_ID_COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
            )
        return response
