"""Settings read the environment; production refuses to start without its secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

PROJECT_ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "a-production-like-secret-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "hirewall.example",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "BLIND_INDEX_KEY": "production-like-blind-index-key",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "RELAY_WEBHOOK_SECRET": "production-like-relay-secret",
    "AUDIT_SIGNING_KEY": "TXRhablFCR1LxaGpfqP4rnjFco3Bv52PmztGqg1A4lw=",
}


def run_django(code: str, **env_overrides: str | None) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter after django.setup(), with a controlled environment."""
    env = {key: value for key, value in os.environ.items() if key not in PRODUCTION_ENV}
    env.pop("DATABASE_URL", None)
    for key, value in env_overrides.items():
        if value is not None:
            env[key] = value
    script = f"import django\ndjango.setup()\n{code}"
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_production_without_secret_key_fails_fast():
    result = run_django("print('started')", **{**PRODUCTION_ENV, "DJANGO_SECRET_KEY": None})

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "started" not in result.stdout


@pytest.mark.parametrize(
    "missing", ["FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "REDIS_URL", "RELAY_WEBHOOK_SECRET", "AUDIT_SIGNING_KEY"]
)
def test_production_without_keys_or_redis_fails_fast(missing):
    result = run_django("print('started')", **{**PRODUCTION_ENV, missing: None})

    assert result.returncode != 0
    assert missing in result.stderr


def test_production_passes_the_deployment_checklist():
    result = run_django(
        "from django.core.management import call_command\ncall_command('check', deploy=True, fail_level='WARNING')",
        **PRODUCTION_ENV,
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_security_settings():
    result = run_django(
        "from django.conf import settings as s\n"
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.DATABASES['default'].get('ATOMIC_REQUESTS'))",
        **PRODUCTION_ENV,
    )

    assert result.stdout.split() == ["False", "True", "True", "True", "True", "False"]


def test_ssl_redirect_is_configurable_behind_a_proxy():
    result = run_django(
        "from django.conf import settings as s\nprint(s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER)",
        **PRODUCTION_ENV,
        DJANGO_SECURE_SSL_REDIRECT="False",
        DJANGO_SECURE_PROXY_SSL_HEADER="True",
    )

    assert result.stdout.strip() == "False ('HTTP_X_FORWARDED_PROTO', 'https')"


def test_local_defaults_need_no_services():
    result = run_django(
        "from django.conf import settings as s\n"
        "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], s.CELERY_BROKER_URL)",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        REDIS_URL=None,
    )

    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
        "filesystem://",
    ]


def test_redis_url_switches_cache_and_broker_to_redis():
    result = run_django(
        "from django.conf import settings as s\nprint(s.CACHES['default']['BACKEND'], s.CELERY_BROKER_URL)",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        REDIS_URL="redis://127.0.0.1:6379/3",
    )

    assert result.stdout.split() == ["config.cache.RedisCache", "redis://127.0.0.1:6379/3"]


def test_database_url_is_read():
    result = run_django(
        "from django.conf import settings as s\nd = s.DATABASES['default']\nprint(d['ENGINE'], d['NAME'], d['HOST'])",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL="postgres://postgres@db.internal:5432/hirewall",
    )

    assert result.stdout.split() == ["django.db.backends.postgresql", "hirewall", "db.internal"]


def test_behind_pgbouncer_no_session_options_are_sent():
    """PgBouncer in transaction mode refuses or drops them; the README sets them on the role instead."""
    result = run_django(
        "from django.conf import settings\nprint(sorted(settings.DATABASES['default']['OPTIONS'].items()))",
        **PRODUCTION_ENV,
        DATABASE_URL="postgres://hirewall@db.internal:6432/hirewall",
        DATABASE_TRANSACTION_POOLING="True",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "[('connect_timeout', 5), ('keepalives', 1), ('keepalives_count', 3), ('keepalives_idle', 30),"
        " ('keepalives_interval', 5), ('tcp_user_timeout', 15000)]"
    )


def test_an_unknown_timeout_profile_fails_fast():
    result = run_django(
        "print('started')",
        **PRODUCTION_ENV,
        DATABASE_URL="postgres://hirewall@db.internal:5432/hirewall",
        DB_TIMEOUT_PROFILE="fast",
    )

    assert result.returncode != 0
    assert "DB_TIMEOUT_PROFILE" in result.stderr
    assert "started" not in result.stdout
