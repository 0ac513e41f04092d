"""Demo resumes for `manage.py seed_demo`: realistic Chinese and English resumes with every visibility.

Everything is derived from the seeker's index, so seeding twice changes nothing:
a seeker who already has a resume is left as it is.
"""

# Chinese text uses full-width punctuation on purpose.
# ruff: noqa: RUF001

import random
from dataclasses import dataclass
from datetime import date, timedelta

import phonenumbers
from faker import Faker
from tqdm import tqdm

from accounts import crypto
from accounts.demo import DEMO_DOMAIN, demo_email
from accounts.models import User
from employers.categories import JobCategory

from . import services
from .models import RelayPreference, Resume, Visibility

DEMO_SEED = 2026
# Mainland mobile prefixes (1[3-9]x) that phonenumbers accepts; the rest of the number is random.
MOBILE_PREFIXES = ("130", "135", "138", "139", "150", "158", "166", "177", "186", "189", "199")
DEMO_CITIES = ("Beijing", "Shanghai", "Shenzhen", "Hangzhou", "Chengdu", "Guangzhou")
# Every setting appears; public is the most common, as on any job site.
VISIBILITY_CYCLE = (
    Visibility.PUBLIC,
    Visibility.ON_REQUEST,
    Visibility.APPLIED_ONLY,
    Visibility.PUBLIC,
    Visibility.HIDDEN,
)


@dataclass(frozen=True)
class Profile:
    category: str
    headline_zh: str
    headline_en: str
    summary_zh: str
    summary_en: str
    skills: tuple[str, ...]
    titles: tuple[str, ...]
    industry: str
    field: str


PROFILES = (
    Profile(
        JobCategory.SOFTWARE_ENGINEERING,
        "Python 后端工程师",
        "Python backend engineer",
        "负责高并发后端服务的设计与开发，熟悉微服务架构和数据库调优。",
        "Designs and builds high-traffic backend services; comfortable with microservices and database tuning.",
        ("Python", "Django", "PostgreSQL", "Redis", "Docker", "分布式系统"),
        ("后端开发工程师", "Backend engineer", "高级软件工程师"),
        "互联网",
        "计算机科学与技术",
    ),
    Profile(
        JobCategory.DATA_SCIENCE,
        "数据分析师",
        "Data analyst",
        "擅长用户行为分析和 A/B 测试，能用数据驱动产品决策。",
        "User behaviour analysis and A/B testing; turns data into product decisions.",
        ("SQL", "Python", "Tableau", "统计建模", "机器学习"),
        ("数据分析师", "Data scientist", "商业分析师"),
        "电子商务",
        "统计学",
    ),
    Profile(
        JobCategory.PRODUCT_MANAGEMENT,
        "产品经理（B 端 SaaS）",
        "Product manager, B2B SaaS",
        "主导过多款企业级 SaaS 产品从 0 到 1 的规划与上线。",
        "Took several enterprise SaaS products from idea to launch.",
        ("需求分析", "Axure", "用户研究", "Roadmapping", "敏捷开发"),
        ("产品经理", "Product owner", "产品助理"),
        "企业服务",
        "信息管理与信息系统",
    ),
    Profile(
        JobCategory.SALES,
        "大客户销售经理",
        "Key account sales manager",
        "八年 B2B 销售经验，年度业绩连续超额完成。",
        "Eight years of B2B sales, exceeding annual targets year after year.",
        ("大客户开发", "商务谈判", "CRM", "Negotiation", "渠道管理"),
        ("销售经理", "Account executive", "销售代表"),
        "制造业",
        "市场营销",
    ),
    Profile(
        JobCategory.FINANCE,
        "注册会计师 / 财务主管",
        "Certified accountant, finance lead",
        "熟悉企业会计准则和税务筹划，负责过年度审计与预算管理。",
        "Knows Chinese accounting standards and tax planning; ran annual audits and budgets.",
        ("CPA", "财务分析", "Excel", "SAP", "税务筹划"),
        ("财务主管", "Senior accountant", "会计"),
        "金融",
        "会计学",
    ),
    Profile(
        JobCategory.DESIGN,
        "UI/UX 设计师",
        "UI/UX designer",
        "负责移动端与 Web 端界面设计，注重可用性与设计规范。",
        "Designs mobile and web interfaces with an eye for usability and design systems.",
        ("Figma", "Sketch", "交互设计", "Design systems", "用户体验"),
        ("UI 设计师", "Product designer", "视觉设计师"),
        "互联网",
        "视觉传达设计",
    ),
    Profile(
        JobCategory.CUSTOMER_SERVICE,
        "客户服务主管",
        "Customer support lead",
        "带领二十人客服团队，客户满意度提升到 95% 以上。",
        "Led a support team of twenty and raised satisfaction above 95%.",
        ("客户沟通", "Zendesk", "团队管理", "投诉处理"),
        ("客服主管", "Support specialist", "客服专员"),
        "零售",
        "工商管理",
    ),
    Profile(
        JobCategory.OPERATIONS,
        "物流运营专员",
        "Logistics operations specialist",
        "负责仓储与干线运输调度，熟悉 WMS/TMS 系统。",
        "Runs warehouse and line-haul scheduling; fluent in WMS and TMS systems.",
        ("供应链管理", "WMS", "Excel", "Lean", "运输调度"),
        ("物流专员", "Operations coordinator", "仓储主管"),
        "物流",
        "物流管理",
    ),
)
DEGREES = ("本科", "硕士", "BSc", "MSc", "大专")


@dataclass
class ResumesSeedResult:
    resumes_created: int = 0


def demo_mobile(rng: random.Random) -> str:
    """A +86 mobile number that phonenumbers accepts as valid, in E.164."""
    while True:
        candidate = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        parsed = phonenumbers.parse(candidate, "CN")
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def demo_visibility(index: int) -> str:
    return VISIBILITY_CYCLE[(index - 1) % len(VISIBILITY_CYCLE)]


def _seed_resume(*, seeker: User, index: int) -> None:
    rng = random.Random(DEMO_SEED * 1000 + index)  # noqa: S311 - demo data, not secrets
    chinese = index % 3 != 0
    faker = Faker("zh_CN" if chinese else "en_US")
    faker.seed_instance(DEMO_SEED * 1000 + index)
    profile = PROFILES[(index - 1) % len(PROFILES)]
    years = rng.randint(1, 15)
    today = date.today()

    # Consecutive jobs over the years of experience, the last one current.
    jobs = min(3, 1 + years // 4)
    boundaries = sorted(rng.sample(range(1, years), k=jobs - 1)) if jobs > 1 else []
    starts = [today.year - years, *(today.year - years + offset for offset in boundaries)]
    experience = [
        services.ExperienceInput(
            title=profile.titles[number % len(profile.titles)],
            industry=profile.industry,
            employer_name=faker.company(),
            start=date(start, rng.randint(1, 6), 1),
            end=date(starts[number + 1], rng.randint(7, 12), 1) - timedelta(days=1) if number + 1 < jobs else None,
        )
        for number, start in enumerate(starts)
    ]
    graduation = today.year - years - rng.randint(0, 2)
    education = [
        services.EducationInput(
            degree=rng.choice(DEGREES), field=profile.field, start_year=graduation - 4, end_year=graduation
        )
    ]
    skills = list(rng.sample(profile.skills, k=min(len(profile.skills), rng.randint(3, 5))))

    if index % 2:
        summary = f"{profile.summary_zh} {profile.summary_en}"
    else:
        summary = profile.summary_zh if chinese else profile.summary_en
    services.save_resume(
        seeker=seeker,
        headline=profile.headline_zh if chinese else profile.headline_en,
        summary=summary,
        skills=skills,
        city=DEMO_CITIES[(index - 1) % len(DEMO_CITIES)],
        category=profile.category,
        years_experience=years,
        experience=experience,
        education=education,
    )
    services.update_contact_details(
        seeker=seeker,
        full_name=faker.name(),
        phone=demo_mobile(rng),
        email=f"contact.{index:03d}@{DEMO_DOMAIN}",
        birth_date=date(graduation - 22, rng.randint(1, 12), rng.randint(1, 28)),
        address=faker.address().replace("\n", " "),
    )
    services.update_privacy(
        seeker=seeker,
        visibility=demo_visibility(index),
        relay_preference=RelayPreference.DIRECT_WHEN_APPROVED if index % 4 == 0 else RelayPreference.RELAY_ONLY,
    )


def seed_resumes(*, seekers: int) -> ResumesSeedResult:
    """A resume for each demo seeker seeker001..NNN that has none yet."""
    result = ResumesSeedResult()
    for index in tqdm(range(1, seekers + 1), desc="demo resumes", unit="resume", disable=None):
        seeker = User.objects.filter(
            email_blind_index=crypto.email_blind_index(demo_email(f"seeker{index:03d}")), is_active=True
        ).first()
        if seeker is None or Resume.objects.filter(seeker=seeker).exists():
            continue
        _seed_resume(seeker=seeker, index=index)
        result.resumes_created += 1
    return result


DEMO_REVEALS_PER_ORGANIZATION = 3


def link_applications_to_resumes() -> int:
    """Applications seeded before their seeker's resume existed get its id; returns how many."""
    from employers.models import Application

    linked = 0
    for application in Application.objects.filter(resume_id=None).select_related("seeker__resume"):
        resume = getattr(application.seeker, "resume", None)
        if resume is not None:
            Application.objects.filter(pk=application.pk).update(resume_id=resume.pk)
            linked += 1
    return linked


def seed_reveals() -> int:
    """A few reveals by each verified demo organisation, through the real reveal service (audited, charged).

    Seekers then find entries in their access log. An organisation that already
    revealed someone is left alone, so seeding twice changes nothing.
    """
    from config.errors import DomainError
    from employers.models import JobStatus, Organization, Seat, SeatRole

    from .access import searchable_resumes_for
    from .models import Reveal
    from .services import reveal_contact

    made = 0
    for organization in Organization.objects.effectively_verified().order_by("pk"):
        if Reveal.objects.filter(organization=organization).exists():
            continue
        seat = Seat.objects.filter(organization=organization, role=SeatRole.ADMIN, is_active=True).first()
        job = organization.jobs.filter(status=JobStatus.OPEN).order_by("pk").first()
        if seat is None or job is None:
            continue
        # Oldest demo seekers first, so that seeker001 (the printed demo login) finds entries in the access log.
        candidates = (
            searchable_resumes_for(organization=organization)
            .filter(is_canary=False)  # a canary revealed by a demo organisation would be a flag, not a demo
            .order_by("seeker__date_joined", "id")
        )
        for resume in candidates[:DEMO_REVEALS_PER_ORGANIZATION]:
            try:
                reveal_contact(recruiter=seat.user, resume=resume, job=job, user_agent="seed_demo")
            except DomainError:
                continue  # an on-request seeker is asked instead: a contact request, as in real use
            made += 1
    return made
