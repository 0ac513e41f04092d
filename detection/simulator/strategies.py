"""Who does what in the simulation: legitimate organisations and the scraper strategies, planned day by day.

Legitimate recruiters work weekday office hours in platform time: they search
their own jobs' categories and cities, open a few masked resumes, reveal one
now and then, reveal their applicants (free) and hear back from seekers, who
reply through the relay or approve a contact request (both give the quota unit
back). Each scraper strategy harvests differently, starting after a warm-up:

- burst: dozens of reveals within minutes, a few times a day, by a script;
- breadth: human pace, but resumes outside its own jobs' categories and cities;
- sybil: many small organisations, each under every limit, sharing login IPs, devices and a licence file;
- drip: one reveal every 24 minutes round the clock, machine-regular, within its quota;
- night: a script revealing steadily between 00:30 and 04:30, without opening the resumes.
"""

import datetime as dt
import itertools
from functools import partial

from employers.models import Plan

from .world import CATEGORIES, CITIES, SEARCH_PAGE, Builder, SimSeeker, World

SCRAPERS = ("burst", "breadth", "sybil", "drip", "night")
LEGIT = "legit"
# Seekers answer people who contact them about a job that fits; almost never a harvester.
LEGIT_REPLY_RATE = 0.5
SCRAPER_REPLY_RATE = 0.03
LEGIT_APPROVAL_RATE = 0.6
DAILY_APPLICATION_RATE = 0.3  # chance that a given open job gets an applicant on a given day
SHARED_SYBIL_DEVICES = ("dev-5e11a0c0ffee0001", "dev-5e11a0c0ffee0002")
SYBIL_LICENCE_SEED = 424242


def build_organizations(*, world: World, builder: Builder, config, rng) -> None:
    """The legitimate organisations, then one organisation (sybil: several) per chosen scraper strategy."""
    operator = world.operator
    for index in range(config.legit):
        city = CITIES[index % len(CITIES)]
        categories = rng.sample(CATEGORIES, k=rng.randint(2, 3))
        member = index % 5 == 0  # the larger employers pay for the member plan
        recruiters = 3 if member else rng.randint(1, 2)
        world.organizations.append(
            builder.organization(
                key=f"legit-{index:02d}",
                strategy=LEGIT,
                operator=operator,
                city=city,
                categories=[*categories, categories[0]],
                recruiters=recruiters,
                plan=Plan.MEMBER if member else Plan.STANDARD,
                office_ip=f"116.228.{index + 1}.{rng.randint(2, 250)}",
            )
        )
    scrapers = set(config.scrapers)
    if "burst" in scrapers:
        world.organizations.append(
            builder.organization(
                key="burst",
                strategy="burst",
                operator=operator,
                city="Shenzhen",
                categories=["software_engineering", "data_science"],
                recruiters=2,
                plan=Plan.MEMBER,
                office_ip="39.108.77.20",
                scripted=True,
            )
        )
    if "breadth" in scrapers:
        world.organizations.append(
            builder.organization(
                key="breadth",
                strategy="breadth",
                operator=operator,
                city="Chengdu",
                categories=["sales"],
                recruiters=3,
                office_ip="60.205.14.9",
            )
        )
    if "sybil" in scrapers:
        for number in range(config.sybil_accounts):
            world.organizations.append(
                builder.organization(
                    key=f"sybil-{number}",
                    strategy="sybil",
                    operator=operator,
                    city=CITIES[number % len(CITIES)],
                    categories=[CATEGORIES[number % len(CATEGORIES)]],
                    recruiters=1,
                    office_ip=f"47.100.88.{10 + number % 3}",
                    shared_devices=list(SHARED_SYBIL_DEVICES),
                    licence_seed=SYBIL_LICENCE_SEED,
                )
            )
    if "drip" in scrapers:
        world.organizations.append(
            builder.organization(
                key="drip",
                strategy="drip",
                operator=operator,
                city="Guangzhou",
                categories=["customer_service", "operations", "sales"],
                recruiters=3,
                plan=Plan.MEMBER,
                office_ip="120.79.31.4",
                scripted=True,
            )
        )
    if "night" in scrapers:
        world.organizations.append(
            builder.organization(
                key="night",
                strategy="night",
                operator=operator,
                city="Hangzhou",
                categories=["finance", "design"],
                recruiters=2,
                office_ip="115.236.9.77",
            )
        )


def plan_day(sim, *, day: dt.date) -> None:
    """Put one platform day of everyone's steps on the simulation's clock."""
    weekday = day.weekday() < 5
    scraping = day >= sim.start.astimezone(sim.zone).date() + dt.timedelta(days=sim.config.warmup_days)
    for org in sim.world.organizations:
        states = [sim.states[person.user.pk] for person in org.recruiters]
        if org.strategy == LEGIT:
            if weekday:
                for state in states:
                    _plan_legit_recruiter(sim, state=state, day=day)
            _plan_applications(sim, org=org, day=day)
        elif scraping:
            _PLANNERS[org.strategy](sim, states=states, day=day, weekday=weekday)


def _seconds(rng, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(seconds=rng.randint(low, high))


def _office_minute(sim, day: dt.date) -> dt.datetime:
    """A random moment of office hours: 09:30-12:00 or 13:30-17:45."""
    minute = sim.rng.randrange(150 + 255)
    if minute < 150:
        return sim.local(day, 9, 30) + dt.timedelta(minutes=minute, seconds=sim.rng.randrange(60))
    return sim.local(day, 13, 30) + dt.timedelta(minutes=minute - 150, seconds=sim.rng.randrange(60))


# Legitimate organisations


def _plan_legit_recruiter(sim, *, state, day: dt.date) -> None:
    rng = sim.rng
    if rng.random() < 0.07:
        return  # a day off, a day of interviews
    sim.at(sim.local(day, 9, 0) + _seconds(rng, -900, 2400), partial(sim.login, state))
    for _ in range(rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5, 6))):
        sim.at(_office_minute(sim, day), partial(_legit_session, sim, state))


def _legit_session(sim, state) -> None:
    """Search one of its own jobs' category and city, open a few resumes, sometimes reveal the last one."""
    rng = sim.rng
    org = state.organization
    job = rng.choice(org.jobs)
    fresh = []
    for page in range(3):  # a person looks at a page or three, not at the whole index
        shown = sim.search(state, category=job.category, city=job.city, page=page)
        fresh = [resume_id for resume_id in shown if resume_id not in sim.revealed[org.organization.pk]]
        if fresh or len(shown) < SEARCH_PAGE:
            break
    if not fresh:
        return
    opened = rng.sample(fresh, k=min(len(fresh), rng.randint(1, 3)))
    moment = sim.clock.now()
    for resume_id in opened:
        moment += _seconds(rng, 40, 240)
        sim.at(moment, partial(sim.view, state, resume_id))
    if rng.random() < 0.8:
        sim.at(moment + _seconds(rng, 20, 150), partial(sim.reveal, state, opened[-1], job))


def _plan_applications(sim, *, org, day: dt.date) -> None:
    rng = sim.rng
    for job in org.jobs:
        if rng.random() >= DAILY_APPLICATION_RATE:
            continue
        seekers = sim.seekers_in(job.category)
        if not seekers:
            continue
        seeker = rng.choice(seekers)
        moment = sim.local(day, rng.randint(8, 22), rng.randrange(60), rng.randrange(60))
        sim.at(moment, partial(_apply, sim, org, seeker, job))


def _apply(sim, org, seeker: SimSeeker, job) -> None:
    if not sim.apply(seeker, job):
        return
    # A recruiter reads the application at the desk and reveals the applicant, free of charge.
    state = sim.states[sim.rng.choice(org.recruiters).user.pk]
    sim.at(sim.next_business_time(sim.clock.now()), partial(sim.reveal, state, seeker.resume.pk, job))


def on_consent_required(sim, *, state, resume_id, job, request_id) -> None:
    if state.organization.strategy != LEGIT or request_id is None or sim.rng.random() >= LEGIT_APPROVAL_RATE:
        return
    seeker = sim.world.seeker_by_resume.get(resume_id)
    if seeker is None:
        return

    def approve() -> None:
        if sim.approve(seeker, request_id):
            sim.at(sim.next_business_time(sim.clock.now()), partial(sim.reveal, state, resume_id, job))

    sim.at(sim.clock.now() + _seconds(sim.rng, 2 * 3600, 30 * 3600), approve)


def on_granted(sim, *, state, resume_id, contact: dict) -> None:
    if contact.get("kind") != "relay":
        return
    rate = LEGIT_REPLY_RATE if state.organization.strategy == LEGIT else SCRAPER_REPLY_RATE
    if sim.rng.random() >= rate:
        return
    seeker = sim.world.seeker_by_resume.get(resume_id)
    if seeker is not None:
        sim.at(sim.clock.now() + _seconds(sim.rng, 3600, 40 * 3600), partial(sim.reply, seeker, contact["email"]))


# Scrapers


def _harvest(sim, state, *, remaining: int, gap, target, view_first: bool) -> None:
    """One reveal of the next resume in the scraper's list, then the next step after `gap()`."""
    if remaining <= 0 or not state.can_act(sim.clock.now()):
        return
    org = state.organization
    revealed = sim.revealed[org.organization.pk]
    attempts = 0
    while not state.queue and not state.stopped and attempts < 4:
        # The next page of one of its searches, walked in order; an exhausted search is dropped.
        attempts += 1
        cell = target()
        page = state.pages.get(cell, 0)
        shown = sim.search(state, category=cell[0], city=cell[1], page=page)
        state.pages[cell] = page + 1
        state.queue = [resume_id for resume_id in shown if resume_id not in revealed]
    if not state.queue:
        return
    resume_id = state.queue.pop(0)
    seeker = sim.world.seeker_by_resume[resume_id]
    job = next((job for job in org.jobs if job.category == seeker.resume.category), org.jobs[0])
    if view_first:
        sim.view(state, resume_id)
    sim.reveal(state, resume_id, job)
    sim.at(
        sim.clock.now() + gap(),
        partial(_harvest, sim, state, remaining=remaining - 1, gap=gap, target=target, view_first=view_first),
    )


def _own_cells(sim, org):
    return lambda: (lambda job: (job.category, job.city))(sim.rng.choice(org.jobs))


def _plan_burst(sim, *, states, day, weekday) -> None:
    rng = sim.rng
    for state in states:
        sim.at(sim.local(day, 9, 50), partial(sim.login, state))
    # Every account of the script runs at once, a few times a day.
    for hour, state in itertools.product((10, 11, 14, 15, 16), states):
        sim.at(
            sim.local(day, hour, rng.randrange(10)),
            partial(
                _harvest,
                sim,
                state,
                remaining=40,
                gap=lambda: _seconds(rng, 6, 14),
                target=_own_cells(sim, state.organization),
                view_first=False,
            ),
        )


def _plan_breadth(sim, *, states, day, weekday) -> None:
    if not weekday:
        return
    rng = sim.rng
    own = {job.category for job in states[0].organization.jobs}
    elsewhere = [category for category in CATEGORIES if category not in own]
    for state in states:
        sim.at(sim.local(day, 9, 10) + _seconds(rng, 0, 1200), partial(sim.login, state))
        for hour in (9, 14):
            sim.at(
                sim.local(day, hour, 40) + _seconds(rng, 0, 900),
                partial(
                    _harvest,
                    sim,
                    state,
                    remaining=8,
                    gap=lambda: _seconds(rng, 8 * 60, 25 * 60),
                    target=lambda: (rng.choice(elsewhere), rng.choice(CITIES)),
                    view_first=True,
                ),
            )


def _plan_sybil(sim, *, states, day, weekday) -> None:
    if not weekday:
        return
    rng = sim.rng
    for state in states:
        sim.at(sim.local(day, 9, 30) + _seconds(rng, 0, 1800), partial(sim.login, state))
        for hour, minute in ((10, 0), (14, 30)):
            sim.at(
                sim.local(day, hour, minute) + _seconds(rng, -1800, 1800),
                partial(
                    _harvest,
                    sim,
                    state,
                    remaining=9,  # 18 a day: just under a standard recruiter's 20
                    gap=lambda: _seconds(rng, 6 * 60, 20 * 60),
                    target=_own_cells(sim, state.organization),
                    view_first=True,
                ),
            )


def _plan_drip(sim, *, states, day, weekday) -> None:
    rng = sim.rng
    for number, state in enumerate(states):
        begin = sim.local(day, 0, 1) + dt.timedelta(minutes=8 * number)
        sim.at(begin, partial(sim.login, state))
        sim.at(
            begin + dt.timedelta(seconds=30),
            partial(
                _harvest,
                sim,
                state,
                remaining=60,
                gap=lambda: dt.timedelta(minutes=24) + _seconds(rng, -4, 4),
                target=_own_cells(sim, state.organization),
                view_first=False,
            ),
        )


def _plan_night(sim, *, states, day, weekday) -> None:
    rng = sim.rng
    for number, state in enumerate(states):
        begin = sim.local(day, 0, 20) + dt.timedelta(minutes=5 * number)
        sim.at(begin, partial(sim.login, state))
        sim.at(
            begin + dt.timedelta(minutes=10),
            partial(
                _harvest,
                sim,
                state,
                remaining=18,
                gap=lambda: _seconds(rng, 9 * 60, 15 * 60),
                target=_own_cells(sim, state.organization),
                view_first=False,
            ),
        )


_PLANNERS = {
    "burst": _plan_burst,
    "breadth": _plan_breadth,
    "sybil": _plan_sybil,
    "drip": _plan_drip,
    "night": _plan_night,
}
