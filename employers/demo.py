"""Demo organisations for `manage.py seed_demo`: verified and pending, with seats, jobs and applications.

Codes, addresses and titles are fixed by index, so seeding twice changes nothing.
"""

from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from faker import Faker
from tqdm import tqdm

from accounts import crypto
from accounts.demo import demo_email, ensure_user, realistic_name
from accounts.models import Role, User

from . import errors, services
from .categories import JobCategory
from .models import JobPosting, Organization, Plan, Seat, SeatRole
from .uscc import check_character

# City -> administrative division code (characters 3-8 of a USCC).
DEMO_CITIES = {
    "Beijing": "110000",
    "Shanghai": "310000",
    "Shenzhen": "440300",
    "Hangzhou": "330100",
    "Chengdu": "510100",
    "Guangzhou": "440100",
}
DEMO_JOBS = (
    ("Backend engineer (Python)", JobCategory.SOFTWARE_ENGINEERING),
    ("Data analyst", JobCategory.DATA_SCIENCE),
    ("Product manager", JobCategory.PRODUCT_MANAGEMENT),
    ("Key account sales manager", JobCategory.SALES),
    ("Accountant", JobCategory.FINANCE),
    ("Customer support specialist", JobCategory.CUSTOMER_SERVICE),
    ("Logistics coordinator", JobCategory.OPERATIONS),
    ("UI designer", JobCategory.DESIGN),
)
JOBS_PER_ORGANIZATION = 4
APPLICATIONS_PER_SEEKER = 2


@dataclass
class EmployersSeedResult:
    organizations_created: int = 0
    jobs_created: int = 0
    applications_created: int = 0


def demo_uscc(index: int) -> str:
    """A valid code for demo organisation `index`: legal entity (91), a real division code, a made-up body."""
    division = list(DEMO_CITIES.values())[(index - 1) % len(DEMO_CITIES)]
    body = f"91{division}MA{index:07d}"
    return body + check_character(body)


def demo_city(index: int) -> str:
    return list(DEMO_CITIES)[(index - 1) % len(DEMO_CITIES)]


def demo_is_verified(index: int) -> bool:
    # Every third organisation waits in the verification queue.
    return index % 3 != 0


def _user(local_part: str) -> User | None:
    return User.objects.filter(email_blind_index=crypto.email_blind_index(demo_email(local_part))).first()


def placeholder_licence(seed: int) -> SimpleUploadedFile:
    """A small PNG standing in for a scanned licence (demo, simulation, drill); the same seed gives the same bytes."""
    content = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + seed.to_bytes(8, "big") * 16
    return SimpleUploadedFile("licence.png", content, content_type="image/png")


def _seed_organization(*, index: int, operator: User | None, faker_zh: Faker, faker_en: Faker) -> tuple[int, int]:
    admin = _user(f"recruiter{index:02d}")
    if admin is None:
        return 0, 0
    organization = Organization.objects.filter(uscc=demo_uscc(index)).first()
    created = 0
    if organization is None:
        organization = services.register_organization(
            recruiter=admin, legal_name=faker_zh.company(), uscc=demo_uscc(index), city=demo_city(index)
        )
        created = 1
        if index == 1:
            services.update_organization_limits(organization=organization, by=operator, plan=Plan.MEMBER, limits={})
        if demo_is_verified(index) and operator is not None:
            services.upload_licence(seat=Seat.objects.get(user=admin), file=placeholder_licence(index))
            services.verify_organization(organization=organization, by=operator, reason="Demo: licence checked.")
    admin_seat = Seat.objects.filter(user=admin, organization=organization).first()
    if admin_seat is None:
        return created, 0

    # A few extra seats: one or two more recruiters per organisation.
    for extra in range(2, 3 + index % 2):
        email = demo_email(f"recruiter{index:02d}-{extra}")
        user, _ = ensure_user(
            email=email, full_name=realistic_name(faker_zh, faker_en, index * 10 + extra), role=Role.RECRUITER
        )
        if not Seat.objects.filter(user=user).exists():
            invitation = services.invite_recruiter(seat=admin_seat, email=email, role=SeatRole.RECRUITER)
            services.accept_invitation(user=user, invitation_id=invitation.pk)

    jobs_created = 0
    if not organization.jobs.exists():
        for offset in range(JOBS_PER_ORGANIZATION):
            title, category = DEMO_JOBS[(index + offset) % len(DEMO_JOBS)]
            services.create_job(
                seat=admin_seat,
                title=title,
                description=f"{title} at {organization.legal_name}. {faker_en.paragraph(nb_sentences=4)}",
                city=demo_city(index + offset // 2),
                category=category,
            )
            jobs_created += 1
    return created, jobs_created


def seed_employers(*, orgs: int, seekers: int, faker_zh: Faker, faker_en: Faker) -> EmployersSeedResult:
    """Organisations for recruiter01..NN (recruiterNN administers organisation NN), then applications."""
    result = EmployersSeedResult()
    operator = _user("operator")
    for index in tqdm(range(1, orgs + 1), desc="demo organisations", unit="org", disable=None):
        created, jobs = _seed_organization(index=index, operator=operator, faker_zh=faker_zh, faker_en=faker_en)
        result.organizations_created += created
        result.jobs_created += jobs

    open_jobs = list(
        JobPosting.objects.visible_to_seekers()
        .filter(organization__uscc__in=[demo_uscc(index) for index in range(1, orgs + 1)])
        .order_by("id")
    )
    if not open_jobs:
        return result
    for index in tqdm(range(1, seekers + 1), desc="demo applications", unit="seeker", disable=None):
        if index % 2:  # half of the seekers apply somewhere
            continue
        seeker = _user(f"seeker{index:03d}")
        if seeker is None:
            continue
        for offset in range(APPLICATIONS_PER_SEEKER):
            job = open_jobs[(index * 3 + offset * 5) % len(open_jobs)]
            try:
                services.apply_to_job(seeker=seeker, job=job)
            except errors.AlreadyApplied:
                continue
            result.applications_created += 1
    return result
