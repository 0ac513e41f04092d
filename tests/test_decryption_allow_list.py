"""One door for contact data: only the modules listed here may decrypt contact-grade fields.

The reveal service hands contact details to employers; the seeker's own pages and
export, relay forwarding and password reset decrypt for the seeker's own use. Any
other module that calls a decrypting helper fails this test until it is reviewed
and added, with its reason.
"""

import ast
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "resumes", "employers", "audit", "config")

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
    "accounts/forms.py": "password reset mails the seeker's own address",
    "employers/mail.py": "an invitation is mailed to the invited address itself",
    "resumes/api/views.py": "GET reveals names the organisation's own recruiter by address, never a seeker",
    "config/admin_site.py": "the admin header greets the signed-in operator by their own name",
}


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
