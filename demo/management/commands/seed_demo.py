"""Create demo data for `make run` across every app: accounts, organisations, resumes, reveals; safe to run twice."""

from django.core.management.base import BaseCommand, CommandError
from faker import Faker
from tqdm import tqdm

from accounts.demo import demo_email, ensure_user, realistic_name
from accounts.models import Role
from detection.canaries import top_up_canaries
from detection.demo import seed_detection_demo
from employers.demo import seed_employers
from resumes.demo import link_applications_to_resumes, seed_resumes, seed_reveals

DEMO_SEED = 2026
# A few canaries among the demo seekers (one per twelve, at most three), so operators meet them in the admin;
# a handful of demo seekers gets none, canaries being a small share of a real population.
DEMO_CANARIES_MAX = 3
DEMO_SEEKERS_PER_CANARY = 12


class Command(BaseCommand):
    help = (
        "Seed demo data: an operator, recruiters for each organisation and seekers with realistic "
        "Chinese and English names; verified and pending organisations (recruiterNN administers "
        "organisation NN) with extra seats, open jobs and applications; Chinese and English resumes "
        "with encrypted +86 contact details and every visibility setting. Idempotent: existing demo "
        "data is kept. `manage.py demo_banner` prints the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seekers", type=int, default=40, help="How many job seekers (default 40).")
        parser.add_argument("--orgs", type=int, default=4, help="How many organisations (default 4).")

    def handle(self, *args, seekers: int, orgs: int, **options):
        if seekers < 0 or orgs < 0:
            raise CommandError("--seekers and --orgs must be zero or more.")
        faker_zh, faker_en = Faker("zh_CN"), Faker("en_US")
        faker_zh.seed_instance(DEMO_SEED)
        faker_en.seed_instance(DEMO_SEED)

        ensure_user(email=demo_email("operator"), full_name=faker_en.name(), role=Role.OPERATOR)

        created = 0
        steps = [(Role.RECRUITER, f"recruiter{index:02d}", index) for index in range(1, orgs + 1)]
        steps += [(Role.SEEKER, f"seeker{index:03d}", index) for index in range(1, seekers + 1)]
        for role, local_part, index in tqdm(steps, desc="demo accounts", unit="account", disable=None):
            _, was_created = ensure_user(
                email=demo_email(local_part), full_name=realistic_name(faker_zh, faker_en, index), role=role
            )
            created += was_created
        employers = seed_employers(orgs=orgs, seekers=seekers, faker_zh=faker_zh, faker_en=faker_en)
        resumes = seed_resumes(seekers=seekers)
        link_applications_to_resumes()
        reveals = seed_reveals()
        # The harvester first: canaries made after it are never among the contacts it took.
        self.stdout.write(seed_detection_demo().summary)
        canaries = top_up_canaries(target=min(DEMO_CANARIES_MAX, seekers // DEMO_SEEKERS_PER_CANARY), seed=DEMO_SEED)

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({created} new accounts, {employers.organizations_created} new organisations, "
                f"{employers.jobs_created} new jobs, {employers.applications_created} new applications, "
                f"{resumes.resumes_created} new resumes, {reveals} new reveals)."
            )
        )
        if canaries:
            # Canaries are never among the numbers above: they are not seekers.
            self.stdout.write(f"{canaries} canary resumes for operators (admin: Resumes, filter by canary).")
        # The logins are the banner's, printed last by `make run` so that nothing scrolls them away.
        self.stdout.write("The demo logins: python manage.py demo_banner")
