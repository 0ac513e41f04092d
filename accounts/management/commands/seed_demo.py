"""Create demo data for `make run`: an operator, recruiters and seekers; safe to run twice."""

from django.core.management.base import BaseCommand, CommandError
from faker import Faker
from tqdm import tqdm

from accounts.demo import DemoLogin, demo_email, ensure_user, realistic_name
from accounts.models import Role
from detection.demo import seed_detection_demo
from employers.demo import seed_employers
from resumes.demo import link_applications_to_resumes, seed_resumes, seed_reveals

DEMO_SEED = 2026


class Command(BaseCommand):
    help = (
        "Seed demo data: an operator, recruiters for each organisation and seekers with realistic "
        "Chinese and English names; verified and pending organisations (recruiterNN administers "
        "organisation NN) with extra seats, open jobs and applications; Chinese and English resumes "
        "with encrypted +86 contact details and every visibility setting. Idempotent: existing demo "
        "data is kept. Prints the demo logins."
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

        logins = [DemoLogin(Role.OPERATOR, demo_email("operator"))]
        ensure_user(email=logins[0].email, full_name=faker_en.name(), role=Role.OPERATOR)

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
        self.stdout.write(seed_detection_demo().summary)

        if orgs:
            logins.append(DemoLogin(Role.RECRUITER, demo_email("recruiter01")))
        if seekers:
            logins.append(DemoLogin(Role.SEEKER, demo_email("seeker001")))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({created} new accounts, {employers.organizations_created} new organisations, "
                f"{employers.jobs_created} new jobs, {employers.applications_created} new applications, "
                f"{resumes.resumes_created} new resumes, {reveals} new reveals)."
            )
        )
        self.stdout.write("Demo logins (all share one password):")
        for login in logins:
            self.stdout.write(f"  {login.role:<10} {login.email:<40} {login.password}")
        self.stdout.write("  Web UI http://127.0.0.1:8000/   admin /admin/   API docs /api/docs/")
