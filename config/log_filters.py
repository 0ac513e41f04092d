"""Log filters: what a log line must never carry, whoever writes it."""

import logging
import re

# A password-reset link's uid and token are a login for whoever reads them until they expire.
# Django's request logger names the path of every 4xx/5xx answer, the dev server every request.
_RESET_LINK = re.compile(r"(/password-reset/)(?!sent/|done/)[^/\s\"']+/[^/\s\"']+/")
REDACTED_RESET_LINK = r"\1[redacted]/"


def redact_reset_links(text: str) -> str:
    return _RESET_LINK.sub(REDACTED_RESET_LINK, text)


class RedactResetLinks(logging.Filter):
    """Rewrites the record's message with password-reset links redacted (message and arguments alike)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_reset_links(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
