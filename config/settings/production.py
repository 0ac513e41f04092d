"""Production settings: every secret comes from the environment, or start-up fails."""

import sys
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from config.db import POSTGRESQL_ENGINE, database_options

from .base import *  # noqa: F403
from .base import BASE_DIR, CELERY_BEAT_SCHEDULE, REDIS_URL, env

DEBUG = False
# No default: a deployment without DJANGO_SECRET_KEY must not start.
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

# Contact-grade fields cannot be stored or found without these keys.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY")
if not FIELD_ENCRYPTION_KEYS or not BLIND_INDEX_KEY:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY must be set in production.")

# The relay provider's webhooks are refused unless signed with this shared secret.
RELAY_WEBHOOK_SECRET = env.str("RELAY_WEBHOOK_SECRET")

# The audit chain's heads are signed with this key at every digest; without it a rewritten chain goes unnoticed.
AUDIT_SIGNING_KEY = env.str("AUDIT_SIGNING_KEY", multiline=True)
if not AUDIT_SIGNING_KEY:
    raise ImproperlyConfigured("AUDIT_SIGNING_KEY must be set in production.")

# Rate limits and the Celery broker must be shared between processes and hosts.
if not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set in production.")

DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)  # noqa: F405
# Behind PgBouncer in transaction mode a server connection serves another client after each
# transaction: server-side cursors (QuerySet.iterator) would lose their portal, and Django's
# persistent connections only pin pool slots. Django leaves psycopg's prepared statements off
# (prepare_threshold None, DB_PREPARE_THRESHOLD below); do not set "server_side_binding" either.
# https://docs.djangoproject.com/en/5.2/ref/databases/#transaction-pooling-server-side-cursors
# PgBouncer gives a server connection to another client after each transaction, so the session
# bounds of config/db.py cannot ride on this client's startup packet (PgBouncer refuses or drops
# `options`): set them on the role instead, e.g. ALTER ROLE hirewall SET statement_timeout = '10s'
# (README, "Growing past one machine"). The connect timeout is libpq's own and stays.
if env.bool("DATABASE_TRANSACTION_POOLING", default=False):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True  # noqa: F405
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
    DB_SEND_SESSION_TIMEOUTS = False
    DB_PREPARE_THRESHOLD = None
    if DATABASES["default"]["ENGINE"] == POSTGRESQL_ENGINE:  # noqa: F405
        DATABASES["default"]["OPTIONS"] = database_options(sys.modules[__name__])  # noqa: F405

# SECURITY
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
# Behind a TLS-terminating proxy, set DJANGO_SECURE_PROXY_SSL_HEADER=True.
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="admin/")
# Operators always give a second factor here; on purpose, no environment variable turns it off.
ADMIN_REQUIRE_OTP = True

# `manage.py collectstatic` writes here; nginx serves it (deploy/nginx/hirewall.conf).
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))

# The CI stack drill (.ci/stack_drill.sh) runs every scheduled task within seconds instead of
# hours; a deployment never sets this.
if beat_every_seconds := env.int("CELERY_BEAT_EVERY_SECONDS", default=0):
    CELERY_BEAT_SCHEDULE = {
        name: {**entry, "schedule": timedelta(seconds=beat_every_seconds)}
        for name, entry in CELERY_BEAT_SCHEDULE.items()
    }
