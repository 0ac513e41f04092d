"""Demo data for detection (`seed_demo`): one organisation that harvests like a script, and a run of the detectors.

The harvester pages through the search results and reveals every resume on them
within seconds, without opening one: the burst and harvesting-shape detectors both
fire, so a newcomer finds a high flag (and a suspended organisation) in the admin.
Seeding twice adds no second harvest.
"""

from dataclasses import dataclass

from accounts.demo import demo_email, ensure_user
from accounts.models import Role, User
from audit.models import ActivityKind
from audit.services import record_activity
from config.errors import DomainError
from employers import services as employer_services
from employers.categories import JobCategory
from employers.demo import demo_uscc, placeholder_licence
from employers.models import Organization
from resumes.selectors import ResumeSearchFilters, search_masked_resumes
from resumes.services import reveal_contact

from .models import Flag, FlagStatus
from .services import run_detectors

HARVESTER = "recruiter-harvester"
HARVESTER_NAME = "Zhou Hao"
HARVESTER_ORGANIZATION = "深圳市速聘信息咨询有限公司"
# Far above the demo organisations' own indices (employers.demo), so its code never collides with theirs.
HARVESTER_INDEX = 97
HARVESTER_IP = "39.108.77.21"
HARVESTER_AGENT = "python-requests/2.32.3"
# A standard recruiter's whole daily quota (20), taken in one go.
HARVEST_SIZE = 20
SEARCH_PAGE = 20


@dataclass(frozen=True)
class DetectionSeedResult:
    reveals: int
    open_flags: int

    @property
    def summary(self) -> str:
        return f"Detection demo: {self.reveals} new harvesting reveals; {self.open_flags} open flags in the admin."


def seed_detection_demo() -> DetectionSeedResult:
    """The harvesting organisation (once), then one run of the detectors."""
    reveals = 0
    if not Organization.objects.filter(uscc=demo_uscc(HARVESTER_INDEX)).exists():
        operator = User.objects.filter(role=Role.OPERATOR).order_by("date_joined").first()
        if operator is not None:
            reveals = _harvest(operator=operator)
    run_detectors()
    return DetectionSeedResult(reveals=reveals, open_flags=Flag.objects.filter(status=FlagStatus.OPEN).count())


def _harvest(*, operator: User) -> int:
    recruiter, _ = ensure_user(email=demo_email(HARVESTER), full_name=HARVESTER_NAME, role=Role.RECRUITER)
    organization = employer_services.register_organization(
        recruiter=recruiter,
        legal_name=HARVESTER_ORGANIZATION,
        uscc=demo_uscc(HARVESTER_INDEX),
        city="Shenzhen",
        ip=HARVESTER_IP,
        user_agent=HARVESTER_AGENT,
    )
    employer_services.upload_licence(seat=recruiter.seat, file=placeholder_licence(HARVESTER_INDEX))
    employer_services.verify_organization(organization=organization, by=operator, reason="Demo: licence checked.")
    job = employer_services.create_job(
        seat=recruiter.seat,
        title="Recruitment consultant",
        description="Talent sourcing for our clients across China.",
        city="Shenzhen",
        category=JobCategory.HUMAN_RESOURCES,
    )
    granted = 0
    resumes = list(search_masked_resumes(user=recruiter, filters=ResumeSearchFilters()))
    for page_start in range(0, len(resumes), SEARCH_PAGE):
        page = resumes[page_start : page_start + SEARCH_PAGE]
        record_activity(
            kind=ActivityKind.SEARCH,
            actor=recruiter,
            organization=organization,
            filters={"cursor": page_start > 0},
            result_count=len(page),
            ip=HARVESTER_IP,
        )
        for resume in page:
            try:
                reveal_contact(recruiter=recruiter, resume=resume, job=job, ip=HARVESTER_IP, user_agent=HARVESTER_AGENT)
            except DomainError as refusal:
                if refusal.code == "quota_exhausted":
                    return granted
                continue  # an on-request seeker is asked instead
            granted += 1
            if granted >= HARVEST_SIZE:
                return granted
    return granted
