"""The erasure ledger: opaque ids of erased seekers, in a file outside the database, replayed after a restore.

A backup taken before a seeker erased their account still holds their contact data.
Restoring it must not bring them back: every erasure appends the seeker's opaque user
id to ERASURE_LEDGER_FILE (kept, like the audit digests, outside the database and its
backups; make it append-only for the application's user with `chattr +a`), and
`manage.py replay_erasures` erases again everyone the ledger names. It holds no
contact data: a user id names nobody once the account is erased.
"""

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from outbox.registry import handler as outbox_handler
from outbox.services import enqueue

LEDGER_LINE = "accounts.erasure_ledger_line"


def note_erasure(*, user_id: uuid.UUID) -> None:
    """Append the id once the caller's transaction commits: a rolled-back erasure leaves no line to replay.

    The line is an outbox message written in the erasure's transaction: a crash right after the
    commit, or a full disk, delays the line (the outbox retries it) but never loses it, and never
    turns the committed erasure into an error. A line written twice replays the same erasure.
    """
    enqueue(kind=LEDGER_LINE, payload={"user_id": str(user_id)})


@outbox_handler(LEDGER_LINE)
def _append(*, user_id: str) -> None:
    path = Path(settings.ERASURE_LEDGER_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as ledger:
        ledger.write(f"{timezone.now().isoformat()} erased user={user_id}\n")
        ledger.flush()
        # The erasure has committed: its line must survive a crash of this host right after.
        os.fsync(ledger.fileno())


def erased_user_ids() -> list[uuid.UUID]:
    """Every id the ledger names, once each, oldest first; an absent ledger names nobody."""
    path = Path(settings.ERASURE_LEDGER_FILE)
    if not path.exists():
        return []
    seen: dict[uuid.UUID, None] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        _, _, value = line.partition(" erased user=")
        if value:
            seen.setdefault(uuid.UUID(value.strip()), None)
    return list(seen)
