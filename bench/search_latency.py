"""Masked search latency through the real API view: full text (English, Chinese), filters, plain listing."""

import argparse
import random
import time

from _setup import setup_django, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resumes", type=int, default=2000, help="resumes to create first (default 2000)")
    parser.add_argument("--queries", type=int, default=200, help="queries per kind (default 200)")
    args = parser.parse_args()
    setup_django()

    from django.db import connection
    from knox.models import AuthToken
    from rest_framework.test import APIClient
    from tqdm import tqdm

    from tests.employers.factories import SeatFactory, VerifiedOrganizationFactory
    from tests.resumes.factories import ResumeFactory

    rng = random.Random(7)
    headlines = ["高级Python工程师", "Java后端开发", "数据分析师", "Senior Go engineer", "Product manager", "UI设计师"]
    skills = [["Python", "Django"], ["Java", "Spring"], ["SQL", "Excel"], ["Go", "Kubernetes"], ["Figma"]]
    for _ in tqdm(range(args.resumes), desc="resumes", unit="resume"):
        ResumeFactory(
            headline=rng.choice(headlines) + f" {rng.randint(1, 99)}",
            skills=rng.choice(skills),
            years_experience=rng.randint(0, 20),
            city=rng.choice(["Shanghai", "Beijing", "Shenzhen"]),
        )
    seat = SeatFactory(organization=VerifiedOrganizationFactory())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=seat.user)[1]}")

    from django.conf import settings

    settings.RATELIMITS = {name: "1000000/m" for name in settings.RATELIMITS}  # measure the search, not the limiter
    kinds = {
        "list": {},
        "q=工程师": {"q": "工程师"},
        "q=python django": {"q": "python django"},
        "filters": {"city": "Shanghai", "skills": "python", "min_years": 3, "max_years": 12},
        "q + filters": {"q": "engineer", "city": "Beijing", "min_years": 2},
    }
    print(f"database: {connection.vendor}, resumes: {args.resumes}")
    for label, params in kinds.items():
        timings = []
        for _ in range(args.queries):
            started = time.perf_counter()
            response = client.get("/api/v1/resumes", params)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.content
        print(summary(label, timings))


if __name__ == "__main__":
    main()
