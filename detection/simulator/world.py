"""The simulated world: its organisations, recruiters, jobs and seekers, built through the real services.

Every account the simulator creates has an address at SIMULATION_DOMAIN, and every
organisation is registered by one of them: that is how a database that holds real
data is told apart (and refused) before anything is written.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import transaction
from faker import Faker
from stdnum.cn import uscc as uscc_number

from accounts.models import Role, User
from employers import services as employer_services
from employers.demo import DEMO_CITIES as CITY_DIVISIONS
from employers.demo import DEMO_JOBS, placeholder_licence
from employers.models import JobPosting, Organization, Plan, Seat, SeatRole
from resumes import services as resume_services
from resumes.demo import DEGREES, PROFILES, demo_mobile
from resumes.models import RelayPreference, Resume, Visibility

SIMULATION_DOMAIN = "sim.hirewall.test"
CITIES = tuple(CITY_DIVISIONS)
CATEGORIES = tuple(profile.category for profile in PROFILES)
# Most seekers are public, as on any job site; the rest exercise consent and applications.
VISIBILITY_WEIGHTS = (
    (Visibility.PUBLIC, 70),
    (Visibility.ON_REQUEST, 15),
    (Visibility.APPLIED_ONLY, 10),
    (Visibility.HIDDEN, 5),
)
BROWSER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
)
SCRIPT_AGENT = "python-requests/2.32.3"
SEARCH_PAGE = 20  # results per page of the search API


class RealDataPresent(Exception):
    """The database holds accounts or organisations the simulator did not create."""


@dataclass
class SimRecruiter:
    user: User
    device_id: str
    user_agent: str
    ip: str


@dataclass
class SimOrganization:
    key: str  # "legit-03", "burst", "sybil-2": the simulator's own name, stable for a seed
    strategy: str  # "legit" or a scraper strategy
    organization: Organization
    recruiters: list[SimRecruiter]
    jobs: list[JobPosting]


@dataclass
class SimSeeker:
    index: int
    user: User
    email: str
    resume: Resume


@dataclass
class World:
    operator: User
    organizations: list[SimOrganization] = field(default_factory=list)
    seekers: list[SimSeeker] = field(default_factory=list)
    seeker_by_resume: dict = field(default_factory=dict)

    def of_strategy(self, strategy: str) -> list[SimOrganization]:
        return [org for org in self.organizations if org.strategy == strategy]


def is_simulated_email(address: str) -> bool:
    return address.rsplit("@", 1)[-1].lower() == SIMULATION_DOMAIN


def ensure_only_simulated_data() -> None:
    """Raise RealDataPresent if any account or organisation was not created by the simulator.

    Addresses are stored encrypted, so each is decrypted; a real database fails at its first account.
    """
    simulated_ids = []
    for user in User.objects.order_by("pk").iterator(chunk_size=500):
        if not is_simulated_email(user.decrypt_email()):
            raise RealDataPresent("an account that the simulator did not create")
        simulated_ids.append(user.pk)
    if Organization.objects.exclude(registered_by__in=simulated_ids).exists():
        raise RealDataPresent("an organisation that the simulator did not register")


def _create_account(*, local_part: str, full_name: str, role: str) -> tuple[User, str]:
    """Like accounts.services.register_user, with an unusable password.

    Simulated people never type a password (their logins are recorded, not typed),
    and Argon2 costs about 0.4 s per account: thousands of seekers would take minutes.
    """
    email = f"{local_part}@{SIMULATION_DOMAIN}"
    user = User(role=role, is_staff=role == Role.OPERATOR, is_superuser=role == Role.OPERATOR)
    user.set_email(email)
    user.set_full_name(full_name)
    user.set_unusable_password()
    user.save()
    return user, email


def _seat(*, admin_seat: Seat, user: User) -> None:
    """The admin seats a colleague: by an invitation the colleague accepts."""
    email = user.decrypt_email()
    invitation = employer_services.invite_recruiter(seat=admin_seat, email=email, role=SeatRole.RECRUITER)
    employer_services.accept_invitation(user=user, invitation_id=invitation.pk)


def _uscc(division: str, number: int) -> str:
    # A legal entity (91), a real division code, a made-up body, and its check character.
    body = f"91{division}MAW{number:06d}"
    return body + uscc_number.calc_check_digit(body)


class Builder:
    """Creates the world step by step; `clock` moves simulated time so that creation times are distinct."""

    def __init__(self, *, rng: random.Random, faker_zh: Faker, faker_en: Faker, clock, tag: int) -> None:
        self.rng = rng
        self.faker_zh = faker_zh
        self.faker_en = faker_en
        self.clock = clock
        self.tag = tag  # distinct per run in one database, so addresses and codes never collide
        self.org_number = 0
        self.seeker_number = 0

    def _name(self, index: int) -> str:
        return self.faker_zh.name() if index % 3 else self.faker_en.name()

    def operator(self) -> User:
        user, _ = _create_account(
            local_part=f"operator.t{self.tag}", full_name=self.faker_en.name(), role=Role.OPERATOR
        )
        return user

    def organization(
        self,
        *,
        key: str,
        strategy: str,
        operator: User,
        city: str,
        categories: list[str],
        recruiters: int,
        plan: str = Plan.STANDARD,
        office_ip: str,
        shared_devices: list[str] | None = None,
        licence_seed: int | None = None,
        scripted: bool = False,
    ) -> SimOrganization:
        self.org_number += 1
        number = self.tag * 1000 + self.org_number
        self.clock.advance(dt.timedelta(seconds=37))
        people = []
        for seat_number in range(recruiters):
            user, _ = _create_account(
                local_part=f"recruiter.t{self.tag}.{key}.{seat_number}",
                full_name=self._name(number + seat_number),
                role=Role.RECRUITER,
            )
            if shared_devices:
                device = shared_devices[(self.org_number + seat_number) % len(shared_devices)]
            else:
                device = f"dev-{self.rng.getrandbits(64):016x}"
            agent = SCRIPT_AGENT if scripted else self.rng.choice(BROWSER_AGENTS)
            people.append(SimRecruiter(user=user, device_id=device, user_agent=agent, ip=office_ip))
        admin = people[0]
        organization = employer_services.register_organization(
            recruiter=admin.user,
            legal_name=self.faker_zh.company(),
            uscc=_uscc(CITY_DIVISIONS[city], number),
            city=city,
            ip=office_ip,
            user_agent=admin.user_agent,
        )
        admin_seat = Seat.objects.get(user=admin.user)
        employer_services.upload_licence(
            seat=admin_seat,
            file=placeholder_licence(licence_seed if licence_seed is not None else number),
            ip=office_ip,
            user_agent=admin.user_agent,
        )
        for person in people[1:]:
            _seat(admin_seat=admin_seat, user=person.user)
        employer_services.verify_organization(
            organization=organization, by=operator, reason="Simulation: licence checked."
        )
        if plan != Plan.STANDARD:
            employer_services.update_organization_limits(organization=organization, by=operator, plan=plan, limits={})
        jobs = []
        titles = {category: title for title, category in DEMO_JOBS}
        for offset, category in enumerate(categories):
            title = titles.get(category, category.replace("_", " ").capitalize())
            jobs.append(
                employer_services.create_job(
                    seat=admin_seat,
                    title=title,
                    description=f"{title} at {organization.legal_name}. {self.faker_en.paragraph(nb_sentences=3)}",
                    # Most openings are at the head office; every third one in a second city.
                    city=city if offset % 3 != 2 else CITIES[(CITIES.index(city) + 1) % len(CITIES)],
                    category=category,
                )
            )
        organization.refresh_from_db()
        return SimOrganization(key=key, strategy=strategy, organization=organization, recruiters=people, jobs=jobs)

    def seeker(self, *, category: str, city: str) -> SimSeeker:
        self.seeker_number += 1
        index = self.seeker_number
        # Distinct creation times keep "newest first" orderings stable from run to run.
        self.clock.advance(dt.timedelta(seconds=3))
        chinese = index % 3 != 0
        faker = self.faker_zh if chinese else self.faker_en
        full_name = faker.name()
        user, email = _create_account(
            local_part=f"seeker.t{self.tag}.{index:05d}", full_name=full_name, role=Role.SEEKER
        )
        profile = next(profile for profile in PROFILES if profile.category == category)
        rng = self.rng
        years = rng.randint(1, 15)
        today = self.clock.now().date()
        start_year = today.year - years
        experience = [
            resume_services.ExperienceInput(
                title=rng.choice(profile.titles),
                industry=profile.industry,
                employer_name=self.faker_zh.company() if chinese else self.faker_en.company(),
                start=dt.date(start_year, rng.randint(1, 12), 1),
                end=None,
            )
        ]
        education = [
            resume_services.EducationInput(
                degree=rng.choice(DEGREES),
                field=profile.field,
                start_year=start_year - rng.randint(4, 6),
                end_year=start_year - rng.randint(0, 1),
            )
        ]
        with transaction.atomic():
            resume_services.save_resume(
                seeker=user,
                headline=profile.headline_zh if chinese else profile.headline_en,
                summary=profile.summary_zh if chinese else profile.summary_en,
                skills=rng.sample(profile.skills, k=min(len(profile.skills), rng.randint(3, 5))),
                city=city,
                category=category,
                years_experience=years,
                experience=experience,
                education=education,
            )
            resume_services.update_contact_details(
                seeker=user,
                full_name=full_name,
                phone=demo_mobile(rng),
                email=email,
                birth_date=dt.date(start_year - 22, rng.randint(1, 12), rng.randint(1, 28)),
                address=faker.address().replace("\n", " "),
            )
            visibilities, weights = zip(*VISIBILITY_WEIGHTS, strict=True)
            resume = resume_services.update_privacy(
                seeker=user,
                visibility=rng.choices(visibilities, weights=weights)[0],
                relay_preference=(
                    RelayPreference.DIRECT_WHEN_APPROVED if rng.random() < 0.2 else RelayPreference.RELAY_ONLY
                ),
            )
        return SimSeeker(index=index, user=user, email=email, resume=resume)
