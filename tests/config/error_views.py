"""Views that fail on purpose, mounted only by the error-shape tests."""

from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class ForbiddenApi(APIView):
    permission_classes = (AllowAny,)

    def get(self, request):
        raise PermissionDenied


class CrashingApi(APIView):
    permission_classes = (AllowAny,)

    def get(self, request):
        raise RuntimeError("secret internal state: /srv/hirewall/settings.py line 42")


class DatabaseGoneApi(APIView):
    permission_classes = (AllowAny,)

    def get(self, request):
        raise OperationalError("connection to server at 127.0.0.1 failed")


class EchoApi(APIView):
    permission_classes = (AllowAny,)

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("api/v1/test/forbidden", ForbiddenApi.as_view()),
    path("api/v1/test/crash", CrashingApi.as_view()),
    path("api/v1/test/database-gone", DatabaseGoneApi.as_view()),
    path("api/v1/test/echo", EchoApi.as_view()),
    path("", include("config.urls")),
]
