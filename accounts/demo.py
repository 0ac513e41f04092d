"""Demo accounts for `manage.py seed_demo`: fixed addresses so that seeding twice changes nothing."""

from dataclasses import dataclass

from faker import Faker

from . import crypto, services
from .models import User

DEMO_PASSWORD = "hirewall-demo-2026"
DEMO_DOMAIN = "demo.hirewall.test"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str = DEMO_PASSWORD


def demo_email(local_part: str) -> str:
    return f"{local_part}@{DEMO_DOMAIN}"


def realistic_name(faker_zh: Faker, faker_en: Faker, index: int) -> str:
    # Most seekers here write their names in Chinese; some in English.
    return faker_zh.name() if index % 3 else faker_en.name()


def ensure_user(*, email: str, full_name: str, role: str) -> tuple[User, bool]:
    existing = User.objects.filter(email_blind_index=crypto.email_blind_index(email)).first()
    if existing is not None:
        return existing, False
    return services.register_user(email=email, password=DEMO_PASSWORD, full_name=full_name, role=role), True
