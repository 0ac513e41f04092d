"""Telling seekers that an account found harvesting obtained their contact details (PIPL art. 57)."""

from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation

from accounts.models import User
from outbox.registry import handler as outbox_handler
from outbox.services import enqueue

from .. import notifications
from ..models import Notification, Reveal, RevealKind

EXPOSURE_EMAIL = "exposure.seeker_email"
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
    the notices and the e-mails' outbox messages are written with it; the e-mails leave once it commits.
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
        enqueue(kind=EXPOSURE_EMAIL, payload={"seeker_id": str(notice.user_id), "notification_id": notice.pk})
    return ExposureNotices(
        seekers=len({seeker_id for seeker_id, _ in grouped}),
        notices=len(notices),
        reveals=sum(len(group) for group in grouped.values()),
    )


@outbox_handler(EXPOSURE_EMAIL)
def _email_seeker(*, seeker_id: str, notification_id: int) -> None:
    """Delivered by the outbox: nothing to a seeker no longer active (erased, deactivated) or a notice gone."""
    seeker = User.objects.filter(pk=seeker_id, is_active=True).first()
    notice = Notification.objects.filter(pk=notification_id, user_id=seeker_id).first()
    if seeker is None or notice is None:
        return
    # The stored message may be cut to the column's length; the e-mail carries the whole text.
    with translation.override("en"):
        text = str(notifications.TEXTS[notice.kind] % notice.params)
    # Decrypted for the seeker's own use: the notice goes to their own address.
    send_mail(
        EXPOSURE_EMAIL_SUBJECT,
        f"{text}\n\nSee every access to your details in your access log.",
        None,
        [seeker.decrypt_email()],
        fail_silently=False,  # a failure is retried by the outbox
    )
