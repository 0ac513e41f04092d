"""The stack drill's scenario (.ci/stack_drill.sh): recruiters over HTTP, operators and seekers through services.

Run under config.settings.production against the drill's database, one phase at a time:

    python deploy/drill.py setup            seekers with planted contact data; rows past retention
    python deploy/drill.py scenario URL     register, organisation, operator verifies, job, search, reveal
    python deploy/drill.py scheduled        wait until the worker ran the scheduled tasks beat sent
    python deploy/drill.py erase            a seeker erases their account (after the backup)
    python deploy/drill.py restored         in the restored database, after replay_erasures

Phases share what they learn through the JSON file named by DRILL_STATE. Each phase
exits non-zero, naming what failed, when the stack does not behave.
"""

import datetime as dt
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

import django

django.setup()

from django.utils import timezone  # noqa: E402

from accounts import services as account_services  # noqa: E402
from accounts.models import LoginEvent, Role, User  # noqa: E402
from audit.chain import GENESIS_HASH  # noqa: E402
from audit.models import ActivityEvent, AuditDigest, AuditEvent  # noqa: E402
from employers import services as employer_services  # noqa: E402
from employers.demo import placeholder_licence  # noqa: E402
from employers.models import Organization  # noqa: E402
from employers.uscc import check_character  # noqa: E402
from outbox.delivery import deliver_due_messages  # noqa: E402
from resumes import services as resume_services  # noqa: E402
from resumes.models import RelayWebhookReceipt, Resume  # noqa: E402

STATE = Path(os.environ["DRILL_STATE"])
PASSWORD = "drill-password-0f9a8b7c"  # noqa: S105 (a throwaway account in a throwaway database)
# The planted values the drill later looks for in the dump and in every process log.
PLANTED = {
    "kept": {"full_name": "Drillplanted Keptseeker", "phone": "+8613912340001", "email": "drill.kept@planted.test"},
    "erased": {"full_name": "Drillplanted Goneseeker", "phone": "+8613912340002", "email": "drill.gone@planted.test"},
}
# A proxy in front, as in deploy/nginx/hirewall.conf: TLS was terminated there, the client is this address.
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Real-IP": "203.0.113.10", "X-Device-Id": "drill-device"}
SCHEDULED_TIMEOUT_SECONDS = 120


class DrillFailure(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise DrillFailure(what)


def load_state() -> dict:
    return json.loads(STATE.read_text()) if STATE.exists() else {}


def save_state(**values) -> None:
    STATE.write_text(json.dumps({**load_state(), **values}, indent=2))


def setup() -> None:
    seekers = {}
    for key, contact in PLANTED.items():
        user = account_services.register_user(
            email=f"drill.{key}.login@planted.test", password=PASSWORD, full_name=contact["full_name"], role=Role.SEEKER
        )
        resume_services.save_resume(
            seeker=user,
            headline=f"Drillstack platform engineer {key}",
            category="software_engineering",
            summary="Runs PostgreSQL and Redis in production.",
            skills=["Python", "PostgreSQL"],
            city="Shanghai",
            years_experience=6,
        )
        resume_services.update_contact_details(
            seeker=user, full_name=contact["full_name"], phone=contact["phone"], email=contact["email"]
        )
        resume_services.update_privacy(seeker=user, visibility="public", relay_preference="relay_only")
        seekers[key] = {"user_id": str(user.pk), "resume_id": str(Resume.objects.get(seeker=user).pk)}

    # Rows past their retention period, for the worker's scheduled prunes to remove.
    long_ago = timezone.now() - dt.timedelta(days=400)
    ActivityEvent.objects.create(kind="search", actor_id=uuid.uuid4(), organization_id=0, created_at=long_ago)
    LoginEvent.objects.create(success=False, channel="api", ip="203.0.113.99", created_at=long_ago)
    RelayWebhookReceipt.objects.create(signature_digest=uuid.uuid4().hex * 2, received_at=long_ago)
    save_state(seekers=seekers)
    print(f"drill setup: {len(seekers)} seekers, 3 rows past retention")


def http(base_url: str, method: str, path: str, body: dict | None = None, token: str = "") -> tuple[int, dict]:
    headers = {**PROXY_HEADERS, "Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(f"{base_url}{path}", data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (the drill's own server)
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def scenario(base_url: str) -> None:
    state = load_state()
    status, _ = http(base_url, "GET", "/healthz")
    check(status == 200, f"/healthz answered {status}")

    email = "drill.recruiter@planted.test"
    status, body = http(
        base_url,
        "POST",
        "/api/v1/auth/register",
        {"email": email, "password": PASSWORD, "full_name": "Drillplanted Recruiter"},
    )
    check(status == 201, f"register answered {status} {body}")
    status, body = http(base_url, "POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    check(status == 200 and body.get("token"), f"login answered {status} {body}")
    token = body["token"]

    uscc_body = "91310000" + f"{int(time.time()) % 10**9:09d}"
    status, body = http(
        base_url,
        "POST",
        "/api/v1/organizations",
        {"legal_name": "Drill Stack Ltd", "uscc": uscc_body + check_character(uscc_body), "city": "Shanghai"},
        token,
    )
    check(status == 201 and body.get("status") == "pending", f"organisation registration answered {status} {body}")
    organization_id = body["id"]

    # A pending organisation reveals nothing.
    resume_id = state["seekers"]["kept"]["resume_id"]
    status, body = http(base_url, "POST", f"/api/v1/resumes/{resume_id}/reveal", {"job_id": 1}, token)
    check(status == 403 and body.get("code") == "org_not_verified", f"a pending organisation's reveal: {status} {body}")

    # The operator verifies it: operators work in the admin, there is no API for them.
    operator = User.objects.get_by_email(os.environ["DRILL_OPERATOR_EMAIL"])
    check(operator.role == Role.OPERATOR, "the operator made by createsuperuser is not an operator")
    # The licence as the organisation's admin would upload it; verification checks there is one.
    organization = Organization.objects.get(pk=organization_id)
    employer_services.upload_licence(seat=organization.seats.get(), file=placeholder_licence(organization_id))
    employer_services.verify_organization(organization=organization, by=operator, reason="drill: licence checked")

    job = {"title": "Platform engineer", "description": "Keeps the stack up.", "city": "Shanghai"}
    status, body = http(base_url, "POST", "/api/v1/jobs", {**job, "category": "software_engineering"}, token)
    check(status == 201 and body.get("status") == "open", f"job posting answered {status} {body}")
    job_id = body["id"]

    status, body = http(base_url, "GET", "/api/v1/resumes?q=Drillstack", token=token)
    found = {result["id"] for result in body.get("results", [])}
    check(status == 200 and resume_id in found, f"search answered {status}, found {sorted(found)}")
    check("Drillplanted" not in json.dumps(body), "a masked search result carries a planted name")

    status, body = http(base_url, "GET", f"/api/v1/resumes/{resume_id}", token=token)
    check(status == 200 and body.get("id") == resume_id, f"masked detail answered {status}")

    status, body = http(base_url, "POST", f"/api/v1/resumes/{resume_id}/reveal", {"job_id": job_id}, token)
    check(status == 200, f"reveal answered {status} {body}")
    contact = body["contact"]
    check(contact["kind"] == "relay", f"a relay_only seeker was revealed as {contact['kind']}")
    check(contact["email"] != PLANTED["kept"]["email"], "the reveal handed out the seeker's own address")

    check(
        AuditEvent.objects.filter(action="reveal.granted", target_id=resume_id).exists(),
        "the reveal left no reveal.granted audit event",
    )
    check(
        LoginEvent.objects.filter(channel="api", success=True, ip=PROXY_HEADERS["X-Real-IP"]).exists(),
        "the login event does not carry the address the proxy passed (CLIENT_IP_META_KEY)",
    )
    save_state(organization_id=organization_id, job_id=job_id)
    print(f"drill scenario: organisation {organization_id} verified, job {job_id} posted, resume revealed")


def scheduled() -> None:
    """Beat sends every task within seconds (CELERY_BEAT_EVERY_SECONDS); the worker must run them."""
    pruned_tables = {"audit.ActivityEvent", "accounts.LoginEvent", "resumes.RelayWebhookReceipt"}
    deadline = time.monotonic() + SCHEDULED_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        seen = set(
            AuditEvent.objects.filter(action="retention.pruned", target_id__in=pruned_tables).values_list(
                "target_id", flat=True
            )
        )
        if seen == pruned_tables and AuditDigest.objects.exists():
            print(f"drill scheduled: {len(seen)} prunes audited, {AuditDigest.objects.count()} digests written")
            return
        time.sleep(2)
    raise DrillFailure(f"after {SCHEDULED_TIMEOUT_SECONDS}s the worker had pruned only {sorted(seen)}")


def erase() -> None:
    state = load_state()
    seeker = User.objects.get(pk=state["seekers"]["erased"]["user_id"])
    resume_services.delete_seeker_account(seeker=seeker)
    # The ledger line is an outbox message: the worker (stopped by now) would write it within the
    # minute; the sweep it runs is run here instead.
    delivered = deliver_due_messages()
    check(delivered >= 1, "the erasure's ledger line was not delivered from the outbox")
    print(f"drill erase: one seeker erased after the backup, {delivered} outbox message(s) delivered")


def restored() -> None:
    state = load_state()
    gone = User.objects.get(pk=state["seekers"]["erased"]["user_id"])
    check(gone.email_blind_index.startswith("deleted:"), "the seeker erased after the backup came back")
    check(not Resume.objects.filter(pk=state["seekers"]["erased"]["resume_id"]).exists(), "their resume came back")
    check(
        AuditEvent.objects.filter(action="seeker.erasure_replayed", target_id=str(gone.pk)).exists(),
        "the replayed erasure is not audited",
    )
    # The chain heads written out before the backup (AUDIT_DIGEST_FILE, kept outside the database)
    # are still links of the restored chain: the restore did not rewrite history.
    # Lines read "<time> seq=<n> sha256=<hex>", possibly followed by a signature.
    anchors = re.findall(r" seq=(\d+) sha256=([0-9a-f]{64})", Path(os.environ["AUDIT_DIGEST_FILE"]).read_text())
    check(bool(anchors), "no chain head was written out before the backup")
    for seq, digest in anchors:
        # A digest taken before the first event (beat's first tick can come first) writes out the empty
        # chain's head, #0 with the genesis hash, which no event holds: verify_chain reads it so too.
        held = digest == GENESIS_HASH if int(seq) == 0 else AuditEvent.objects.filter(seq=seq, hash=digest).exists()
        check(held, f"the restored chain does not hold the head #{seq} written out before the backup")
    kept = Resume.objects.get(pk=state["seekers"]["kept"]["resume_id"])
    check(bool(kept.phone_ciphertext), "the seeker who stayed lost their contact details in the restore")
    print(f"drill restored: {len(anchors)} written-out heads hold, the erasure was replayed, the other seeker is whole")


def main(argv: list[str]) -> int:
    phases = {"setup": setup, "scheduled": scheduled, "erase": erase, "restored": restored}
    try:
        if argv[:1] == ["scenario"] and len(argv) == 2:
            scenario(argv[1])
        elif len(argv) == 1 and argv[0] in phases:
            phases[argv[0]]()
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except DrillFailure as failure:
        print(f"DRILL FAILED ({argv[0]}): {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
