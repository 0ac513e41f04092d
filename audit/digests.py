"""Signed chain heads outside the database: the digest file, its optional mirror, and reading them back.

One line per digest, the same in the file and in each mirror object:

    2026-11-29T03:00:00.000000+00:00 seq=1234 sha256=<64 hex> ed25519=<base64 signature>

The file is opened for appending only; deployments make it append-only for the
application's user as well (`chattr +a`, or a log shipper that copies each line
away). The mirror directory (AUDIT_DIGEST_MIRROR_DIR) is meant to be a mounted
object-store path with object lock or another write-once store: each digest is a
new object, created exclusively, never rewritten.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings

from .signing import signed_time

_LINE = re.compile(r"^(?P<time>\S+) seq=(?P<seq>\d+) sha256=(?P<hash>[0-9a-f]{64})(?: ed25519=(?P<signature>\S+))?$")
MIRROR_SUFFIX = ".digest"


@dataclass(frozen=True)
class SignedHead:
    """A chain head as some record outside the chain remembers it; `signature` is "" on old, unsigned digests."""

    source: str
    seq: int
    hash: str
    signed_at: datetime | None
    signature: str


@dataclass(frozen=True)
class UnreadableDigest:
    """A line that is not a digest: someone edited the record, which verification reports."""

    source: str


def digest_line(*, seq: int, hash: str, signed_at: datetime, signature: str) -> str:
    return f"{signed_time(signed_at)} seq={seq} sha256={hash} ed25519={signature}\n"


def append_to_digest_file(line: str) -> None:
    path = Path(settings.AUDIT_DIGEST_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as digest_file:
        digest_file.write(line)


def write_mirror_copy(*, line: str, seq: int, signed_at: datetime) -> Path | None:
    """Write the line as a new object in AUDIT_DIGEST_MIRROR_DIR, if set; an existing object is never replaced."""
    if not settings.AUDIT_DIGEST_MIRROR_DIR:
        return None
    directory = Path(settings.AUDIT_DIGEST_MIRROR_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{signed_at:%Y%m%dT%H%M%S%fZ}-seq{seq}{MIRROR_SUFFIX}"
    with path.open("x", encoding="utf-8") as mirror_file:
        mirror_file.write(line)
    return path


def parse_digest_line(line: str, *, source: str) -> SignedHead | UnreadableDigest:
    match = _LINE.match(line.strip())
    if match is None:
        return UnreadableDigest(source)
    try:
        signed_at = datetime.fromisoformat(match["time"])
    except ValueError:
        return UnreadableDigest(source)
    return SignedHead(source, int(match["seq"]), match["hash"], signed_at, match["signature"] or "")


def external_heads() -> Iterator[SignedHead | UnreadableDigest]:
    """Every head in the digest file and the mirror directory, in the order they were written there."""
    path = Path(settings.AUDIT_DIGEST_FILE)
    if path.exists():
        with path.open(encoding="utf-8") as digest_file:
            for number, line in enumerate(digest_file, start=1):
                if line.strip():
                    yield parse_digest_line(line, source=f"digest file line {number}")
    if settings.AUDIT_DIGEST_MIRROR_DIR:
        directory = Path(settings.AUDIT_DIGEST_MIRROR_DIR)
        for mirror_path in sorted(directory.glob(f"*{MIRROR_SUFFIX}")) if directory.exists() else ():
            yield parse_digest_line(mirror_path.read_text(encoding="utf-8"), source=f"mirror {mirror_path.name}")
