"""Test settings: the suite runs on DATABASE_URL (PostgreSQL in CI) or SQLite."""

import sys
import tempfile
from pathlib import Path

from config.db import POSTGRESQL_ENGINE, database_options

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

# The append-only triggers refuse TRUNCATE to every role but the maintenance role
# (audit/migrations/0005); tests/conftest.py empties tables between transactional
# tests under that role. The connection itself runs as a production session would.

# Off, so that admin tests log in with force_login; tests/config/test_admin_2fa.py turns it on.
ADMIN_REQUIRE_OTP = False

RELAY_WEBHOOK_SECRET = "test-relay-webhook-secret"
# A fixed Ed25519 key that no deployment uses; tests/audit/conftest.py gives each test its own digest file.
AUDIT_SIGNING_KEY = "TXRhablFCR1LxaGpfqP4rnjFco3Bv52PmztGqg1A4lw="
AUDIT_DIGEST_FILE = str(Path(tempfile.gettempdir()) / "hirewall-test-audit-digests.log")
ERASURE_LEDGER_FILE = str(Path(tempfile.gettempdir()) / "hirewall-test-erasure-ledger.log")

# The suite's connections carry the same kinds of bounds as production's, but generous ones: a
# test holds its transaction open while Python works (subprocesses, password hashing), and the
# concurrency tests queue 16 threads on one lock on a shared 2-core CI machine.
# tests/config/test_db_timeouts.py checks production's defaults and short bounds for real.
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=60_000)
DB_LOCK_TIMEOUT_MS = env.int("DB_LOCK_TIMEOUT_MS", default=30_000)
DB_IDLE_IN_TRANSACTION_TIMEOUT_MS = env.int("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", default=0)
AUDIT_CHAIN_LOCK_TIMEOUT_MS = env.int("AUDIT_CHAIN_LOCK_TIMEOUT_MS", default=20_000)
DB_TCP_USER_TIMEOUT_MS = env.int("DB_TCP_USER_TIMEOUT_MS", default=90_000)
if DATABASES["default"]["ENGINE"] == POSTGRESQL_ENGINE:  # noqa: F405
    DATABASES["default"]["OPTIONS"] = database_options(sys.modules[__name__])  # noqa: F405

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"

if REDIS_URL:
    # Each run gets its own key space so parallel runs and leftovers never collide.
    CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="hirewall-test")  # noqa: F405
else:
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "django_ratelimit.E003"]
