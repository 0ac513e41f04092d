"""deploy/gunicorn.conf.py: workers from cores, and an access log that cannot carry contact data."""

import runpy
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def load_config(monkeypatch, **env: str) -> dict:
    for name in ("GUNICORN_WORKERS", "GUNICORN_BIND", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_workers_follow_the_cores(monkeypatch):
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 4)

    config = load_config(monkeypatch)

    assert config["workers"] == 9


def test_environment_overrides_workers_and_bind(monkeypatch):
    config = load_config(monkeypatch, GUNICORN_WORKERS="3", GUNICORN_BIND="127.0.0.1:9123")

    assert (config["workers"], config["bind"]) == (3, "127.0.0.1:9123")


def test_binds_only_the_loopback_by_default(monkeypatch):
    assert load_config(monkeypatch)["bind"].startswith("127.0.0.1:")


@pytest.mark.parametrize("atom", ["%(q)s", "%(r)s", "%(f)s", "%(u)s"])
def test_access_log_has_no_query_string_or_referer(monkeypatch, atom):
    config = load_config(monkeypatch)

    assert atom not in config["access_log_format"]
    assert "%(U)s" in config["access_log_format"]


def test_a_stuck_request_is_ended(monkeypatch):
    config = load_config(monkeypatch)

    assert 0 < config["timeout"] <= 60


def test_the_access_log_never_carries_a_password_reset_link(monkeypatch, caplog):
    import logging

    access = logging.getLogger("gunicorn.access")
    monkeypatch.setattr(access, "filters", [])
    load_config(monkeypatch)["when_ready"](server=None)

    with caplog.at_level(logging.INFO, logger="gunicorn.access"):
        access.info(
            '%(h)s "%(r)s" %(s)s', {"h": "198.51.100.1", "r": "GET /accounts/password-reset/MQ/cz8x-9f2e1/", "s": "200"}
        )

    assert "cz8x-9f2e1" not in caplog.text and "MQ/" not in caplog.text
    assert "/accounts/password-reset/[redacted]/" in caplog.text
