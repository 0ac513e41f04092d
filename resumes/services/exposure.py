"""Telling seekers that an account found harvesting obtained their contact details (PIPL art. 57)."""

from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation

from accounts.models import User

from .. import notifications
from ..models import Notification, Reveal, RevealKind

EXPOSURE_EMAIL_SUBJECT = "Hirewall: your contact details were obtained by an account we have stopped"


@dataclass(frozen=True)
class ExposureNotices:
    """What was sent: counts only, for the audit log."""

    seekers: int
    notices: int
    reveals: int


def notify_seekers_of_exposure(*, reveals) -> ExposureNotices:
    """One notice per seeker and organisation in `reveals` (a Reveal queryset), and an e-mail after commit.

    Each notice says what was exposed (relay or direct contact), when (first and last reveal,
    platform time) and to whom (the organisation). Call inside the caller's transaction:
    the notices are written with it and the e-mails leave only once it commits.
    """
    grouped: dict[tuple, list[Reveal]] = defaultdict(list)
    # Canaries are no one to tell (their evidence is the flag itself).
    rows = (
        reveals.filter(resume__isnull=False, resume__is_canary=False)
        .select_related("resume", "organization")
        .order_by("created_at", "id")
    )
    for reveal in rows:
        grouped[(reveal.resume.seeker_id, reveal.organization_id)].append(reveal)
    zone = ZoneInfo(settings.PLATFORM_TIME_ZONE)
    notices = []
    for (seeker_id, _organization_id), seeker_reveals in grouped.items():
        direct = any(reveal.kind == RevealKind.DIRECT for reveal in seeker_reveals)
        notices.append(
            notifications.build_notification(
                user_id=seeker_id,
                kind=notifications.EXPOSURE_DIRECT if direct else notifications.EXPOSURE_RELAY,
                organization=seeker_reveals[0].organization.legal_name,
                first=f"{seeker_reveals[0].created_at.astimezone(zone):%Y-%m-%d %H:%M}",
                last=f"{seeker_reveals[-1].created_at.astimezone(zone):%Y-%m-%d %H:%M}",
                time_zone=settings.PLATFORM_TIME_ZONE,
                count=str(len(seeker_reveals)),
            )
        )
    Notification.objects.bulk_create(notices)
    for notice in notices:
        # The stored message may be cut to the column's length; the e-mail carries the whole text.
        with translation.override("en"):
            text = str(notifications.TEXTS[notice.kind] % notice.params)
        transaction.on_commit(lambda seeker_id=notice.user_id, text=text: _email_seeker(seeker_id=seeker_id, text=text))
    return ExposureNotices(
        seekers=len({seeker_id for seeker_id, _ in grouped}),
        notices=len(notices),
        reveals=sum(len(group) for group in grouped.values()),
    )


def _email_seeker(*, seeker_id, text: str) -> None:
    seeker = User.objects.filter(pk=seeker_id, is_active=True).first()
    if seeker is None:
        return
    # Decrypted for the seeker's own use: the notice goes to their own address.
    send_mail(
        EXPOSURE_EMAIL_SUBJECT,
        f"{text}\n\nSee every access to your details in your access log.",
        None,
        [seeker.decrypt_email()],
        fail_silently=True,
    )
