"""Views that fail on purpose, mounted only by the error-shape tests."""

import time

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection, transaction
from django.urls import include, path
from django.utils import timezone
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


# The row each WriteThenFaultApi request writes before its fault; it must never be found afterwards.
WRITTEN_SESSION_KEY = "written-before-the-fault"


class WriteThenFaultApi(APIView):
    """Write a row, then meet a real PostgreSQL fault in the same transaction (tests/config/test_db_timeouts.py)."""

    permission_classes = (AllowAny,)

    def post(self, request, fault):
        with transaction.atomic():
            Session.objects.create(session_key=WRITTEN_SESSION_KEY, session_data="", expire_date=timezone.now())
            with connection.cursor() as cursor:
                if fault == "statement-timeout":
                    cursor.execute("SELECT pg_sleep(30)")
                elif fault == "idle-in-transaction":
                    time.sleep(settings.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS / 1000 + 1)
                    cursor.execute("SELECT 1")
                elif fault == "connection-lost":
                    cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return Response({"written": True})


class EchoApi(APIView):
    permission_classes = (AllowAny,)

    def get(self, request):
        return Response({"ok": True})


def crashing_page(request):
    raise RuntimeError("secret internal state")


urlpatterns = [
    path("test/crash", crashing_page),
    path("api/v1/test/forbidden", ForbiddenApi.as_view()),
    path("api/v1/test/crash", CrashingApi.as_view()),
    path("api/v1/test/database-gone", DatabaseGoneApi.as_view()),
    path("api/v1/test/echo", EchoApi.as_view()),
    path("api/v1/test/write-then/<slug:fault>", WriteThenFaultApi.as_view()),
    path("", include("config.urls")),
]
