"""Test settings: the suite runs on DATABASE_URL (PostgreSQL in CI) or SQLite."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import REDIS_URL, SILENCED_SYSTEM_CHECKS, env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnopqrstuvwxyz"
TEST_RUNNER = "django.test.runner.DiscoverRunner"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

# Fast hashing keeps hundreds of logins in the suite quick; Argon2 is asserted separately.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Static files come from the app folders; the suite never runs collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Fixed test keys: ciphertext in tests is real Fernet, with keys no deployment uses.
FIELD_ENCRYPTION_KEYS = ["Aq5k0TqXHbIwNNm5bO4vm8gqrC-8mdkC8Y9fkrQfcQ8="]
BLIND_INDEX_KEY = "test-blind-index-key-0123456789abcdef"

# The append-only triggers refuse TRUNCATE unless this is on (audit/migrations/0003);
# the test runner empties tables with TRUNCATE between transactional tests.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c hirewall.allow_audit_truncate=on"  # noqa: F405

RELAY_WEBHOOK_SECRET = "test-relay-webhook-secret"
AUDIT_DIGEST_FILE = str(Path(tempfile.gettempdir()) / "hirewall-test-audit-digests.log")
ERASURE_LEDGER_FILE = str(Path(tempfile.gettempdir()) / "hirewall-test-erasure-ledger.log")

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"

if REDIS_URL:
    # Each run gets its own key space so parallel runs and leftovers never collide.
    CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="hirewall-test")  # noqa: F405
else:
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "django_ratelimit.E003"]
