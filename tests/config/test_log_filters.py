"""Password-reset links never reach a log line: Django's request logger names the path of every 4xx/5xx."""

import io
import logging

import pytest

from config.log_filters import redact_reset_links


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Not Found: /accounts/password-reset/MQ/cz8x-9f2e1/", "Not Found: /accounts/password-reset/[redacted]/"),
        (
            '"GET /accounts/password-reset/Mg/set-password/ HTTP/1.1"',
            '"GET /accounts/password-reset/[redacted]/ HTTP/1.1"',
        ),
        ("GET /accounts/password-reset/sent/", "GET /accounts/password-reset/sent/"),
        ("GET /accounts/password-reset/done/", "GET /accounts/password-reset/done/"),
    ],
)
def test_reset_links_are_redacted_and_other_pages_kept(line, expected):
    assert redact_reset_links(line) == expected


def test_the_configured_handler_writes_a_reset_link_without_its_token():
    # Through the console handler of settings.LOGGING, as Django's request logger writes a 404.
    (console,) = [handler for handler in logging.getLogger().handlers if handler.get_name() == "console"]
    written = io.StringIO()
    previous = console.setStream(written)
    try:
        logging.getLogger("django.request").warning("Not Found: %s", "/accounts/password-reset/MQ/cz8x-9f2e1/")
    finally:
        console.setStream(previous)

    assert "cz8x-9f2e1" not in written.getvalue()
    assert "/accounts/password-reset/[redacted]/" in written.getvalue()
