"""Canary resumes: plausible synthetic seekers whose reveal, or any use of whose relay contact, is evidence.

A canary is made through the seekers' own services, so its masked view has the same
fields, wording and shape as anyone's: a realistic resume from the demo profiles, in a
category and city drawn from where real seekers are, public, relay-only, with an
`updated_at` in the past few weeks that a beat task keeps moving (refresh_canaries).
Only `Resume.is_canary` tells it apart, and only operators see that. Its account is a
plus-address of CANARY_MAILBOX with no usable password, its contact phone CANARY_PHONE:
relay mail and calls reach operators (resumes/services/relay.py), never a person.
"""

# Chinese text uses full-width punctuation on purpose.
# ruff: noqa: RUF001

import datetime as dt
import random
import secrets
from collections import Counter
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from faker import Faker

from accounts.models import Role, User
from accounts.services import register_user
from audit.actions import AuditAction
from audit.services import record_event
from resumes import services as resume_services
from resumes.demo import DEGREES, DEMO_CITIES, PROFILES
from resumes.models import RelayPreference, Resume, Visibility

# A canary last "edited" between these many days ago: as a real seeker's resume, neither new nor stale.
UPDATED_DAYS = (1, 45)
# Its account and resume were opened this long before (a seeker writes a resume once, then edits it).
CREATED_DAYS = (60, 720)
# Sentences seekers add about themselves, so that two canaries of one profile do not share one summary.
EXTRA_ZH = (
    "{years}年相关工作经验。",
    "希望在{city}寻找新的机会。",
    "沟通能力强，能够独立负责项目。",
    "目前在职，可一个月内到岗。",
    "注重团队合作，乐于学习新技术。",
)
EXTRA_EN = (
    "{years} years in the field.",
    "Looking for a new role in {city}.",
    "Comfortable owning a project end to end.",
    "Currently employed; available within a month.",
    "Enjoys working in small teams and learning new tools.",
)


def _placements(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(category, city) pairs drawn as real seekers are spread, among the categories a profile can write."""
    writable = {profile.category for profile in PROFILES}
    real = Counter(
        {
            (row["category"], row["city"]): row["n"]
            for row in Resume.objects.filter(is_canary=False, category__in=writable)
            .exclude(city="")
            .order_by()  # the model's ordering would split the groups
            .values("category", "city")
            .annotate(n=Count("id"))
        }
    )
    if not real:
        real = Counter({(category, city): 1 for category in sorted(writable) for city in DEMO_CITIES})
    # Shares in proportion to the real ones (largest remainders), so a small batch follows them too.
    total = sum(real.values())
    shares = {pair: count * seekers / total for pair, seekers in real.items()}
    placed = {pair: int(share) for pair, share in shares.items()}
    by_remainder = sorted(shares, key=lambda pair: (shares[pair] - placed[pair], rng.random()), reverse=True)
    for pair in by_remainder[: count - sum(placed.values())]:
        placed[pair] += 1
    placements = [pair for pair in sorted(placed) for _ in range(placed[pair])]
    rng.shuffle(placements)
    return placements


def _mailbox_address(token: str) -> str:
    local, _, domain = settings.CANARY_MAILBOX.partition("@")
    return f"{local}+{token}@{domain}"


def _make_canary(*, rng: random.Random, category: str, city: str, now: dt.datetime) -> Resume:
    chinese = rng.random() < 0.7
    faker = Faker("zh_CN" if chinese else "en_US")
    faker.seed_instance(rng.randrange(2**32))
    profile = rng.choice([profile for profile in PROFILES if profile.category == category])
    full_name = faker.name()
    address = _mailbox_address(secrets.token_hex(6))
    seeker = register_user(
        email=address,
        password=secrets.token_urlsafe(32),
        full_name=full_name,
        role=Role.SEEKER,
    )
    years = rng.randint(1, 15)
    today = now.date()
    start = date(today.year - years, rng.randint(1, 9), 1)
    experience = [
        resume_services.ExperienceInput(
            title=rng.choice(profile.titles), industry=profile.industry, employer_name=faker.company(), start=start
        )
    ]
    graduation = start.year - rng.randint(0, 1)
    education = [
        resume_services.EducationInput(
            degree=rng.choice(DEGREES), field=profile.field, start_year=graduation - 4, end_year=graduation
        )
    ]
    extras = rng.sample(EXTRA_ZH if chinese else EXTRA_EN, k=rng.randint(1, 3))
    summary = " ".join([profile.summary_zh if chinese else profile.summary_en, *extras]).format(years=years, city=city)
    resume_services.save_resume(
        seeker=seeker,
        headline=profile.headline_zh if chinese else profile.headline_en,
        summary=summary.replace("。 ", "。"),
        skills=rng.sample(profile.skills, k=min(len(profile.skills), rng.randint(3, 5))),
        city=city,
        category=category,
        years_experience=years,
        experience=experience,
        education=education,
    )
    resume_services.update_contact_details(
        seeker=seeker,
        full_name=full_name,
        phone=settings.CANARY_PHONE,
        email=address,
        birth_date=date(graduation - 22, rng.randint(1, 12), rng.randint(1, 28)),
    )
    resume = resume_services.update_privacy(
        seeker=seeker, visibility=Visibility.PUBLIC, relay_preference=RelayPreference.RELAY_ONLY
    )
    created = now - timedelta(days=rng.randint(*CREATED_DAYS), minutes=rng.randrange(24 * 60))
    updated = now - timedelta(days=rng.randint(*UPDATED_DAYS), minutes=rng.randrange(24 * 60))
    seeker.set_unusable_password()
    seeker.date_joined = created
    seeker.save(update_fields=["password", "date_joined"])
    Resume.objects.filter(pk=resume.pk).update(is_canary=True, created_at=created, updated_at=updated)
    resume.refresh_from_db()
    return resume


def create_canaries(*, count: int, by: User | None = None, seed: int | None = None) -> list[Resume]:
    """Create `count` canaries in one transaction and one audit event (their count, never their ids)."""
    if count < 1:
        return []
    rng = random.Random(seed)  # noqa: S311 - placement and wording, not secrets
    now = timezone.now()
    with transaction.atomic():
        canaries = [
            _make_canary(rng=rng, category=category, city=city, now=now) for category, city in _placements(rng, count)
        ]
        record_event(action=AuditAction.CANARIES_CREATED, actor=by, details={"count": len(canaries)})
    return canaries


def top_up_canaries(*, target: int, seed: int | None = None) -> int:
    """Create canaries until there are `target` of them (seed_demo runs twice safely); returns how many were made."""
    missing = target - Resume.objects.filter(is_canary=True).count()
    return len(create_canaries(count=missing, seed=seed)) if missing > 0 else 0


def refresh_canaries(*, now: dt.datetime | None = None, share: float | None = None) -> int:
    """Move a few canaries' `updated_at` to a recent moment, as seekers editing their resumes do; returns how many."""
    now = now or timezone.now()
    share = settings.CANARY_REFRESH_SHARE if share is None else share
    ids = list(Resume.objects.filter(is_canary=True).values_list("pk", flat=True))
    if not ids:
        return 0
    rng = random.SystemRandom()
    chosen = rng.sample(ids, k=max(1, round(len(ids) * share)))
    for resume_id in chosen:
        # Some time within the last few hours, not all at the same instant.
        Resume.objects.filter(pk=resume_id).update(updated_at=now - timedelta(minutes=rng.randrange(6 * 60)))
    return len(chosen)
