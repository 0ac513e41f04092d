"""The masked view's free text, redacted once when a resume is written (MaskedResumeText), not on every search.

Redacting a page of 20 resumes (resumes/contact_text.py: phones, emails, handles, links, the
seeker's name by keyed hash) was about half of a search request's time at a million resumes
(BENCHMARKS.md, "Masked search"). The text only changes when the seeker writes it, so it is
redacted then and kept in `MaskedResumeText.card`, exactly as the masked serializer would show it.

Why a kept card can never show what the live redaction would hide:

- It is made by the serializer's own redaction (`MaskedResumeSerializer.redacted`), from the
  resume's current text and name index, read after the resume row is locked
  (`resumes.services.masked_text.store_masked_text`).
- Triggers (migration 0014) delete it in the transaction of any change to what it is made from:
  the resume's headline, summary, skills, city or name index (the seeker's name: contact details,
  a new blind-index key, an erasure), or any insert, update or delete of its experience or
  education entries, whoever writes them (a service, the admin, a bulk update, raw SQL). An entry
  trigger first takes the resume row's key-share lock, so a card being made from the old entries
  is either committed before the change (and then deleted by it) or made after it.
- `RULES` fingerprints the code that redacts (this module, contact_text.py, the serializer, the
  phone and pinyin libraries' versions): a card made by other rules is ignored, and the resume's
  text is redacted live, until `manage.py rebuild_masked_text` remakes it.

So a card is either current or absent; search redacts live where it is absent
(resumes.selectors.recruiters.masked_resumes_for_page).
"""

import hashlib
import importlib.metadata
from pathlib import Path

from .models import Resume

# The masked view's fields that hold free text a seeker typed, and so are kept redacted in the card.
CARD_FIELDS = ("headline", "summary", "skills", "city", "experience", "education")
_RULES_SOURCES = ("contact_text.py", "contact.py", "masked_text.py", "api/serializers.py")
_RULES_LIBRARIES = ("phonenumbers", "pypinyin")


def _rules_fingerprint() -> str:
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in _RULES_SOURCES:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    for library in _RULES_LIBRARIES:
        digest.update(f"{library}={importlib.metadata.version(library)}\0".encode())
    return digest.hexdigest()[:16]


RULES = _rules_fingerprint()


def kept_card(resume: Resume) -> dict | None:
    """The card read with `resume` (`masked_card`, `masked_rules` annotations), if it was made by these rules."""
    card = getattr(resume, "masked_card", None)
    if card is None or getattr(resume, "masked_rules", None) != RULES:
        return None
    return card
