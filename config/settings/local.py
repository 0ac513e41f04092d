"""Development settings: `make run` on SQLite, nothing else installed."""

from pathlib import Path

import environ
from django.core.management.utils import get_random_secret_key

# Development secrets that `make run` generates once (manage.py generate_local_keys);
# read before base.py so that it finds them. Only local settings ever read this file.
environ.Env.read_env(Path(__file__).resolve().parents[2] / ".env.keys", overwrite=False)

from .base import *  # noqa: E402, F403
from .base import BASE_DIR, REDIS_URL, SILENCED_SYSTEM_CHECKS, VAR_DIR, env  # noqa: E402

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or get_random_secret_key()
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

if not REDIS_URL:
    # The memory cache is per process. `runserver` serves from one process, so the
    # login limits still hold there; production must set REDIS_URL (it is required).
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "django_ratelimit.E003"]

# `make run`'s demo operator logs into the admin with a password alone; run
# `ADMIN_REQUIRE_OTP=True make run` to go through enrolment and the code step as production does.
ADMIN_REQUIRE_OTP = env.bool("ADMIN_REQUIRE_OTP", default=False)

# Development email (notices, password resets, invitations) goes to files under var/mail/, one per
# batch, instead of the console, where it buried the demo logins; `make run`'s banner says where.
# https://docs.djangoproject.com/en/5.2/topics/email/#file-backend
EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env.str("DJANGO_EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))

# Keys made once by `make run` into .env.keys (ignored by git); see accounts/crypto.py.
KEYS_FILE = BASE_DIR / ".env.keys"
