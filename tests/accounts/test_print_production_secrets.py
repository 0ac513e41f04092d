"""`manage.py print_production_secrets` prints new, usable secrets and writes nothing."""

import base64
import io
import os
import re

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command

from tests.config.test_settings import PRODUCTION_ENV, run_django

SECRET_NAMES = {
    "DJANGO_SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
    "RELAY_WEBHOOK_SECRET",
    "AUDIT_SIGNING_KEY",
}


def printed_secrets() -> dict[str, str]:
    out = io.StringIO()
    call_command("print_production_secrets", stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_prints_every_production_secret_as_an_environment_line():
    secrets = printed_secrets()

    assert set(secrets) == SECRET_NAMES
    assert all(len(value) >= 32 for value in secrets.values())


def test_values_need_no_quoting_in_an_environment_file():
    # A leading "$" would make django-environ read another variable; "#", "%", quotes and
    # spaces mean something to shells and to systemd's EnvironmentFile.
    for _ in range(20):
        assert all(re.fullmatch(r"[A-Za-z0-9_\-+/=]+", value) for value in printed_secrets().values())


def test_each_run_generates_new_values():
    first, second = printed_secrets(), printed_secrets()

    assert all(first[name] != second[name] for name in SECRET_NAMES)


def test_keys_have_the_formats_their_readers_expect():
    secrets = printed_secrets()

    token = Fernet(secrets["FIELD_ENCRYPTION_KEYS"].encode()).encrypt(b"x")
    assert Fernet(secrets["FIELD_ENCRYPTION_KEYS"].encode()).decrypt(token) == b"x"
    # The chain's signing key: base64 of the 32 raw bytes of an Ed25519 private key.
    raw = base64.b64decode(secrets["AUDIT_SIGNING_KEY"], validate=True)
    assert len(raw) == 32
    Ed25519PrivateKey.from_private_bytes(raw).sign(b"head")


def test_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    printed_secrets()

    assert os.listdir(tmp_path) == []


def test_production_settings_start_with_the_printed_secrets():
    secrets = printed_secrets()
    env = {**PRODUCTION_ENV, **secrets}

    result = run_django("from django.conf import settings; print(settings.FIELD_ENCRYPTION_KEYS[0])", **env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == secrets["FIELD_ENCRYPTION_KEYS"]
