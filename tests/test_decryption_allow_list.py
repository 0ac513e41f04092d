"""One door for contact data: only the modules listed here may decrypt contact-grade fields.

The reveal service hands contact details to employers; the seeker's own pages and
export, relay forwarding and password reset decrypt for the seeker's own use. Any
other module that calls a decrypting helper fails this test until it is reviewed
and added, with its reason.
"""

import ast
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "resumes", "employers", "audit", "config", "detection")

# Calls that turn ciphertext into plaintext.
DECRYPTING_CALLS = {"decrypt", "decrypt_contact_details", "decrypt_email", "decrypt_full_name", "decrypt_photo"}

ALLOWED = {
    "accounts/crypto.py": "the keyed helpers themselves",
    "accounts/models.py": "User.decrypt_email / decrypt_full_name are defined here",
    "resumes/models.py": "Resume.decrypt_contact_details is defined here",
    "accounts/management/commands/reencrypt_contact_data.py": "key rotation recomputes blind indexes",
    "resumes/services/reveal.py": "the reveal service, and the seeker's notice to their own address",
    "resumes/services/relay.py": "relay forwarding to the seeker, and a seeker's reply to the recruiter's own address",
    "resumes/services/data_rights.py": "the seeker's export of their own data",
    "resumes/services/exposure.py": "the notice to a seeker's own address that a harvester obtained their contact",
    "resumes/views.py": "the seeker's own contact page",
    "resumes/services/profile.py": "a first resume takes the account's own name and address as its contact",
    "accounts/forms.py": "password reset mails the seeker's own address",
    "employers/mail.py": "an invitation is mailed to the invited address itself",
    "accounts/mail.py": "a password change is mailed to the account holder's own address",
    "resumes/api/views.py": "GET reveals names the organisation's own recruiter by address, never a seeker",
    "config/admin_site.py": "the admin header greets the signed-in operator by their own name",
    "detection/simulator/world.py": "the simulator refuses any database holding an account it did not create",
}

# A template calls a method by naming it (`{{ resume.decrypt_contact_details.phone }}`), so any
# `decrypt...` name in a template is a decryption. Only the seeker's own pages may do it; none does yet,
# so a new entry here needs the same review as a module above.
TEMPLATE_DECRYPTION = re.compile(r"\bdecrypt\w*")
ALLOWED_TEMPLATES: dict[str, str] = {}


def decrypting_modules() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for app in APPS:
        for path in (PROJECT_ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                    if name in DECRYPTING_CALLS:
                        found.setdefault(str(path.relative_to(PROJECT_ROOT)), []).append(node.lineno)
    return found


def test_only_allowed_modules_decrypt_contact_data():
    unexpected = {module: lines for module, lines in decrypting_modules().items() if module not in ALLOWED}

    assert unexpected == {}, f"decrypts contact data outside the allow-list: {unexpected}"


def test_the_scan_sees_the_reveal_service():
    # Guards the scan itself: if it found nothing, the test above could never fail.
    assert "resumes/services/reveal.py" in decrypting_modules()


def template_files() -> list[Path]:
    """Every template of the project: templates/ and each app's templates/ folder."""
    folders = [PROJECT_ROOT / "templates", *PROJECT_ROOT.glob("*/templates")]
    return sorted(path for folder in folders for path in folder.rglob("*") if path.is_file())


def decrypting_templates(paths: list[Path], *, root: Path = PROJECT_ROOT) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for path in paths:
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
            if TEMPLATE_DECRYPTION.search(line):
                found.setdefault(str(path.relative_to(root)), []).append(number)
    return found


def test_only_the_seekers_own_pages_decrypt_in_templates():
    unexpected = {
        template: lines
        for template, lines in decrypting_templates(template_files()).items()
        if template not in ALLOWED_TEMPLATES
    }

    assert unexpected == {}, f"templates decrypt contact data outside the allow-list: {unexpected}"


def test_the_template_scan_sees_every_template_folder_and_a_decrypting_call(tmp_path):
    # Guards the scan itself: it reads the project's and the apps' templates, and it recognises a call.
    scanned = {str(path.relative_to(PROJECT_ROOT)) for path in template_files()}
    assert "templates/base.html" in scanned
    assert any(name.startswith("audit/templates/") for name in scanned)
    planted = tmp_path / "leak.html"
    planted.write_text("<p>{{ resume.decrypt_contact_details.phone }}</p>\n<p>{{ user.decrypt_email }}</p>\n")

    assert decrypting_templates([planted], root=tmp_path) == {"leak.html": [1, 2]}
