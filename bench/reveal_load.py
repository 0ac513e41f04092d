"""Reveal throughput under parallel recruiters: quota counters, relay contacts and the audit chain's lock."""

import argparse
import threading
import time

from _setup import setup_django, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recruiters", type=int, default=8, help="parallel recruiters (default 8)")
    parser.add_argument("--reveals", type=int, default=400, help="reveals in all (default 400)")
    args = parser.parse_args()
    setup_django()

    from django.db import connection, connections
    from tqdm import tqdm

    from audit import selectors as audit_selectors
    from config.errors import DomainError
    from resumes.services import reveal_contact
    from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
    from tests.resumes.factories import ResumeFactory

    # Limits high enough that the load measures the work, not refusals.
    organization = VerifiedOrganizationFactory(plan="member", recruiter_daily_limit=300, org_daily_limit=300)
    seats = [SeatFactory(organization=organization) for _ in range(args.recruiters)]
    job = JobPostingFactory(organization=organization)
    resumes = [ResumeFactory() for _ in tqdm(range(args.reveals), desc="resumes", unit="resume")]
    per_recruiter = [resumes[index :: args.recruiters] for index in range(args.recruiters)]
    timings: list[float] = []
    refused: list[str] = []
    lock = threading.Lock()

    def work(seat, mine):
        try:
            for resume in mine:
                started = time.perf_counter()
                try:
                    reveal_contact(recruiter=seat.user, resume=resume, job=job)
                except DomainError as refusal:
                    with lock:
                        refused.append(refusal.code)
                with lock:
                    timings.append(time.perf_counter() - started)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=work, args=(seat, mine)) for seat, mine in zip(seats, per_recruiter, strict=True)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    print(f"database: {connection.vendor}, recruiters: {args.recruiters}, reveals: {len(timings)}")
    print(f"throughput: {len(timings) / elapsed:.1f} reveals/s over {elapsed:.2f} s; refused: {len(refused)}")
    print(summary("reveal_contact", timings))
    report = audit_selectors.walk_chain()
    print(f"audit chain: {'intact' if report.ok else 'BROKEN'}, {report.verified} events verified")


if __name__ == "__main__":
    main()
