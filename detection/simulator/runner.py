"""The simulation loop: steps on a simulated clock through the real services, the detectors every 5 minutes.

Steps sit in a heap ordered by (time, sequence number), so that a seed gives one
order of events and one outcome. Every five simulated minutes that saw activity
(and once an hour regardless, so that time-based windows close) the real
`detection.services.run_detectors(now=...)` runs, and its new flags are read.
"""

import datetime as dt
import heapq
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.test.utils import override_settings
from faker import Faker
from tqdm import tqdm

from accounts.models import User
from accounts.services import record_login_attempt
from audit.models import ActivityKind
from audit.services import record_activity
from config.errors import DomainError
from detection.models import Flag, Severity
from detection.services import run_detectors
from employers.models import Organization, OrganizationStatus, Seat
from resumes import services as resume_services
from resumes.models import Visibility
from resumes.selectors import ResumeSearchFilters, get_masked_resume_for_recruiter, search_masked_resumes
from resumes.services import forward_inbound_email
from resumes.services.relay import SenderAuthentication

from . import strategies
from .clock import Clock
from .report import SimulationReport, StrategyOutcome
from .world import SEARCH_PAGE, Builder, SimOrganization, SimRecruiter, SimSeeker, World

# Seekers reply from their own mailboxes: the provider vouches for them, so replies credit back.
SEEKER_MAIL_VERDICT = SenderAuthentication(spf="pass", dkim="pass", dmarc="pass")

TICK = dt.timedelta(minutes=5)
# Monday 2 March 2026, 00:00 platform time: a fixed start, so nothing depends on the wall clock.
START_DATE = dt.date(2026, 3, 2)
STOPPING_CODES = {"org_suspended", "recruiter_inactive"}
FLAG_SUBJECT_FIELDS = ("pk", "severity", "organization_id", "recruiter_id", "cluster_members")


@dataclass(frozen=True)
class SimulationConfig:
    days: int = 30
    legit: int = 30
    scrapers: tuple[str, ...] = strategies.SCRAPERS
    seed: int = 7
    seekers_per_organization: int = 30  # in the categories and cities of each legitimate organisation's jobs
    seekers_per_scraper_job: int = 40  # in the category and city of each scraper's job: what it harvests
    general_seekers: int = 200  # anywhere, in any category
    sybil_accounts: int = 8  # 8 x 18 reveals a day: each under every limit, together over the cluster's floor

    @property
    def warmup_days(self) -> int:
        """Days of legitimate traffic before the scrapers start: the baselines the detectors compare with."""
        return max(1, min(7, self.days // 4))


def quick_config(*, seed: int, scrapers: tuple[str, ...]) -> SimulationConfig:
    """A short run (a minute or two on an idle machine): three days, five legitimate organisations, 460 seekers."""
    return SimulationConfig(
        days=3,
        legit=5,
        scrapers=scrapers,
        seed=seed,
        seekers_per_organization=20,
        seekers_per_scraper_job=20,
        general_seekers=40,
    )


@dataclass(order=True)
class _Step:
    at: dt.datetime
    sequence: int
    action: Callable[[], None] = field(compare=False)


@dataclass
class RecruiterState:
    organization: SimOrganization
    person: SimRecruiter
    stopped: bool = False
    paused_until: dt.datetime | None = None
    queue: list = field(default_factory=list)  # a scraper's next resumes, in the order it pages through them
    pages: dict = field(default_factory=dict)  # (category, city) -> the next page a scraper will ask for

    def can_act(self, now: dt.datetime) -> bool:
        return not self.stopped and (self.paused_until is None or now >= self.paused_until)


class Simulation:
    def __init__(self, *, config: SimulationConfig, progress: bool = True) -> None:
        self.config = config
        self.rng = random.Random(config.seed)  # noqa: S311 - a simulation, not secrets
        self.zone = ZoneInfo(settings.PLATFORM_TIME_ZONE)
        self.start = dt.datetime.combine(START_DATE, dt.time(0, 0), tzinfo=self.zone)
        self.end = self.start + dt.timedelta(days=config.days)
        self.progress = progress
        self._heap: list[_Step] = []
        self._sequence = 0
        self.world: World | None = None
        self.clock: Clock | None = None
        self.states: dict = {}  # recruiter's user id -> RecruiterState
        self.revealed: dict[int, set] = {}  # organisation id -> resume ids it obtained
        self.applied: set[tuple[int, object]] = set()
        self.started_at: dict[str, dt.datetime] = {}
        self.stopped_at: dict[str, dt.datetime] = {}
        self.first_high_flag_at: dict[str, dt.datetime] = {}
        self.reveals_granted: Counter = Counter()
        self.harvested: dict[str, set] = {}
        self.detector_runs = 0
        self._activity_since_run = False
        self._high_flags_seen: set[int] = set()
        self._owners: dict[tuple[str, str], str] = {}
        self._by_category: dict[str, list[SimSeeker]] | None = None

    # Scheduling

    def at(self, moment: dt.datetime, action: Callable[[], None]) -> None:
        if moment < self.end:
            self._sequence += 1
            heapq.heappush(self._heap, _Step(moment, self._sequence, action))

    def local(self, day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=self.zone)

    def next_business_time(self, moment: dt.datetime) -> dt.datetime:
        """The next moment a recruiter at a desk would act: weekdays 09:30-12:00 and 13:30-17:30."""
        local = moment.astimezone(self.zone)
        for _ in range(10):
            day = local.date()
            if day.weekday() < 5:
                for opens, closes in ((dt.time(9, 30), dt.time(12, 0)), (dt.time(13, 30), dt.time(17, 30))):
                    window_open = dt.datetime.combine(day, opens, tzinfo=self.zone)
                    window_close = dt.datetime.combine(day, closes, tzinfo=self.zone)
                    if local < window_close:
                        return max(local, window_open) + dt.timedelta(seconds=self.rng.randint(60, 1800))
            local = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=self.zone)
        return local

    # Building

    def build(self, clock: Clock) -> World:
        faker_zh, faker_en = Faker("zh_CN"), Faker("en_US")
        faker_zh.seed_instance(self.config.seed)
        faker_en.seed_instance(self.config.seed)
        builder = Builder(rng=self.rng, faker_zh=faker_zh, faker_en=faker_en, clock=clock, tag=User.objects.count())
        world = World(operator=builder.operator())
        strategies.build_organizations(world=world, builder=builder, config=self.config, rng=self.rng)
        cells = [(job.category, job.city) for org in world.of_strategy("legit") for job in org.jobs]
        # Enough seekers in every legitimate job's category and city, and a general pool besides.
        matched = self.config.legit * self.config.seekers_per_organization if cells else 0
        plan = [cells[index % len(cells)] for index in range(matched)]
        for org in world.organizations:
            if org.strategy != strategies.LEGIT:
                plan += [(job.category, job.city) for job in org.jobs] * self.config.seekers_per_scraper_job
        plan += [
            (self.rng.choice(strategies.CATEGORIES), self.rng.choice(strategies.CITIES))
            for _ in range(self.config.general_seekers)
        ]
        for category, city in tqdm(plan, desc="simulated seekers", unit="seeker", disable=not self.progress or None):
            seeker = builder.seeker(category=category, city=city)
            world.seekers.append(seeker)
            world.seeker_by_resume[seeker.resume.pk] = seeker
        for org in world.organizations:
            self.revealed[org.organization.pk] = set()
            for person in org.recruiters:
                self.states[person.user.pk] = RecruiterState(organization=org, person=person)
        for strategy in self.config.scrapers:
            self.harvested[strategy] = set()
        # Who is who, by the ids a flag names: organisation ids, recruiters' user ids, cluster members.
        for org in world.organizations:
            self._owners[("organization", str(org.organization.pk))] = org.strategy
            for person in org.recruiters:
                self._owners[("recruiter", str(person.user.pk))] = org.strategy
        return world

    def seekers_in(self, category: str) -> list[SimSeeker]:
        """Seekers of a category who could apply: anyone but those hiding their resume."""
        if self._by_category is None:
            self._by_category = {}
            for seeker in self.world.seekers:
                if seeker.resume.visibility != Visibility.HIDDEN:
                    self._by_category.setdefault(seeker.resume.category, []).append(seeker)
        return self._by_category.get(category, [])

    # Actions, each through the real service the API or the web UI calls

    def login(self, state: RecruiterState) -> None:
        if state.stopped:
            return
        request = HttpRequest()
        request.path = "/api/v1/auth/login"
        request.META = {
            "REMOTE_ADDR": state.person.ip,
            "HTTP_USER_AGENT": state.person.user_agent,
            "HTTP_X_DEVICE_ID": state.person.device_id,
        }
        record_login_attempt(request=request, user=state.person.user, success=True)
        self._activity_since_run = True

    def search(self, state: RecruiterState, *, category: str = "", city: str = "", page: int = 0) -> list:
        """One page of results for the recruiter's organisation, in the simulator's own stable order."""
        filters = ResumeSearchFilters(category=category, city=city)
        try:
            found = search_masked_resumes(user=state.person.user, filters=filters)
            resume_ids = list(found.values_list("pk", flat=True))
        except DomainError as refusal:
            self._refused(state, refusal)
            return []
        index = self.world.seeker_by_resume
        ordered = sorted(
            (resume_id for resume_id in resume_ids if resume_id in index), key=lambda rid: index[rid].index
        )
        shown = ordered[page * SEARCH_PAGE : (page + 1) * SEARCH_PAGE]
        self._activity_since_run = True
        record_activity(
            kind=ActivityKind.SEARCH,
            actor=state.person.user,
            organization=state.organization.organization,
            filters={**filters.as_log_details(), "cursor": page > 0},
            result_count=len(shown),
            ip=state.person.ip,
        )
        return shown

    def view(self, state: RecruiterState, resume_id) -> None:
        if not state.can_act(self.clock.now()):
            return
        try:
            resume = get_masked_resume_for_recruiter(user=state.person.user, resume_id=str(resume_id))
        except DomainError as refusal:
            self._refused(state, refusal)
            return
        self._activity_since_run = True
        record_activity(
            kind=ActivityKind.VIEW,
            actor=state.person.user,
            organization=state.organization.organization,
            resume_id=resume.pk,
            ip=state.person.ip,
        )

    def reveal(self, state: RecruiterState, resume_id, job) -> str:
        """Returns "granted", or the refusal's code."""
        now = self.clock.now()
        if not state.can_act(now):
            return "idle"
        org = state.organization
        self.started_at.setdefault(org.strategy, now)
        self._activity_since_run = True
        try:
            result = resume_services.reveal_contact(
                recruiter=state.person.user,
                resume=str(resume_id),
                job=job.pk,
                ip=state.person.ip,
                user_agent=state.person.user_agent,
            )
        except DomainError as refusal:
            self._refused(state, refusal)
            if refusal.code == "consent_required":
                strategies.on_consent_required(
                    self, state=state, resume_id=resume_id, job=job, request_id=refusal.fields["contact_request_id"]
                )
            return refusal.code
        self.revealed[org.organization.pk].add(resume_id)
        self.reveals_granted[org.strategy] += 1
        if org.strategy in self.harvested:
            self.harvested[org.strategy].add((org.organization.pk, resume_id))
        strategies.on_granted(self, state=state, resume_id=resume_id, contact=result.contact)
        return "granted"

    def apply(self, seeker: SimSeeker, job) -> bool:
        key = (job.pk, seeker.resume.pk)
        if key in self.applied:
            return False
        self.applied.add(key)
        try:
            resume_services.apply_with_resume(seeker=seeker.user, job=job)
        except DomainError:
            return False
        self._activity_since_run = True
        return True

    def reply(self, seeker: SimSeeker, alias: str) -> None:
        try:
            forward_inbound_email(
                alias=alias,
                sender=seeker.email,
                subject="Re: your message",
                body="Thanks, happy to talk this week.",
                authentication=SEEKER_MAIL_VERDICT,
            )
        except DomainError:
            return  # revoked meanwhile: the reply goes nowhere
        self._activity_since_run = True

    def approve(self, seeker: SimSeeker, request_id: int) -> bool:
        try:
            resume_services.approve_contact_request(seeker=seeker.user, request_id=request_id)
        except DomainError:
            return False
        self._activity_since_run = True
        return True

    def _refused(self, state: RecruiterState, refusal: DomainError) -> None:
        now = self.clock.now()
        if refusal.code in STOPPING_CODES:
            state.stopped = True
        elif refusal.code == "quota_exhausted":
            # Whoever hits a limit waits for the next platform day; the counters reset then.
            tomorrow = now.astimezone(self.zone).date() + dt.timedelta(days=1)
            state.paused_until = self.local(tomorrow, 0, 0)

    # Detection

    def detect(self, moment: dt.datetime) -> None:
        run_detectors(now=moment)
        self.detector_runs += 1
        self._activity_since_run = False
        # A flag becomes high when raised so, or later when another detector corroborates it.
        high = Flag.objects.filter(severity=Severity.HIGH)
        if high.count() == len(self._high_flags_seen):
            return
        for flag in high.exclude(pk__in=self._high_flags_seen).order_by("pk").values(*FLAG_SUBJECT_FIELDS):
            self._high_flags_seen.add(flag["pk"])
            for strategy in self._strategies_named_by(flag):
                self.first_high_flag_at.setdefault(strategy, moment)
        self._check_stopped(moment)

    def _strategies_named_by(self, flag: dict) -> set[str]:
        named = {
            self._owners.get(("organization", str(flag["organization_id"]))),
            self._owners.get(("recruiter", str(flag["recruiter_id"]))),
        }
        for member in flag["cluster_members"] or []:
            named.add(self._owners.get((member.get("type"), str(member.get("id")))))
        return named - {None}

    def _check_stopped(self, moment: dt.datetime) -> None:
        for strategy in self.config.scrapers:
            if strategy in self.stopped_at:
                continue
            org_ids = [org.organization.pk for org in self.world.of_strategy(strategy)]
            user_ids = [person.user.pk for org in self.world.of_strategy(strategy) for person in org.recruiters]
            suspended = set(
                Organization.objects.filter(pk__in=org_ids, status=OrganizationStatus.SUSPENDED).values_list(
                    "pk", flat=True
                )
            )
            inactive = set(Seat.objects.filter(user_id__in=user_ids, is_active=False).values_list("user_id", flat=True))
            if all(
                org.organization.pk in suspended or all(person.user.pk in inactive for person in org.recruiters)
                for org in self.world.of_strategy(strategy)
            ):
                self.stopped_at[strategy] = moment

    # The loop

    def run(self) -> SimulationReport:
        build_at = self.start - dt.timedelta(days=2) + dt.timedelta(hours=10)
        # The simulated seekers' notices are not sent anywhere: there is no one to read them.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), Clock(build_at) as clock:
            self.clock = clock
            # One process, one writer: a commit per world and per tick rather than per service call
            # changes no outcome and spares thousands of disk flushes.
            with transaction.atomic():
                self.world = self.build(clock)
            self._loop(clock)
        return self.report()

    def _loop(self, clock: Clock) -> None:
        ticks = int((self.end - self.start) / TICK)
        moment = self.start
        with tqdm(total=ticks, desc="simulated 5-minute ticks", unit="tick", disable=not self.progress or None) as bar:
            for number in range(1, ticks + 1):
                tick_end = self.start + number * TICK
                with transaction.atomic():
                    self._tick(clock, start=moment, end=tick_end)
                moment = tick_end
                bar.update(1)

    def _tick(self, clock: Clock, *, start: dt.datetime, end: dt.datetime) -> None:
        if (start - self.start) % dt.timedelta(days=1) == dt.timedelta(0):
            strategies.plan_day(self, day=start.astimezone(self.zone).date())
        while self._heap and self._heap[0].at < end:
            step = heapq.heappop(self._heap)
            clock.move_to(step.at)
            step.action()
        clock.move_to(end)
        if self._activity_since_run or end.minute == 0:
            self.detect(end)

    def report(self) -> SimulationReport:
        outcomes = []
        for strategy in self.config.scrapers:
            started = self.started_at.get(strategy)
            first_high = self.first_high_flag_at.get(strategy)
            stopped = self.stopped_at.get(strategy)
            outcomes.append(
                StrategyOutcome(
                    strategy=strategy,
                    accounts=sum(len(org.recruiters) for org in self.world.of_strategy(strategy)),
                    contacts_harvested=len(self.harvested[strategy]),
                    hours_to_first_high_flag=_hours(started, first_high),
                    stopped=stopped is not None,
                    hours_to_stop=_hours(started, stopped),
                )
            )
        legit_flags = Counter()
        for flag in Flag.objects.order_by("pk").values(*FLAG_SUBJECT_FIELDS):
            if "legit" in self._strategies_named_by(flag):
                legit_flags[flag["severity"]] += 1
        legit_orgs = [org.organization.pk for org in self.world.of_strategy("legit")]
        legit_users = [person.user.pk for org in self.world.of_strategy("legit") for person in org.recruiters]
        return SimulationReport(
            days=self.config.days,
            legit_organizations=len(legit_orgs),
            legit_recruiters=len(legit_users),
            seekers=len(self.world.seekers),
            seed=self.config.seed,
            scrapers=outcomes,
            legit_reveals=self.reveals_granted["legit"],
            legit_flags={severity: legit_flags[severity] for severity in Severity.values},
            legit_organizations_suspended=Organization.objects.filter(
                pk__in=legit_orgs, status=OrganizationStatus.SUSPENDED
            ).count(),
            legit_recruiters_suspended=Seat.objects.filter(user_id__in=legit_users, is_active=False).count(),
            detector_runs=self.detector_runs,
        )


def _hours(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round(max((end - start).total_seconds(), 0) / 3600, 2)
