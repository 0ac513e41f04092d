"""Keeping a resume's masked free text (resumes/masked_text.py says why and how it can never be stale)."""

from collections.abc import Iterable

from django.db import transaction

from ..api.serializers import MaskedResumeSerializer
from ..masked_text import CARD_FIELDS, RULES
from ..models import MaskedResumeText, Resume
from ..selectors.recruiters import with_masked_entries


def store_masked_text(resume_ids: Iterable, *, using: str = "default") -> int:
    """Redact the resumes' free text now and keep it; returns how many cards were stored.

    Each resume row is locked (FOR UPDATE) before its text is read, in this transaction: a
    concurrent change to the resume or its entries then either commits first (and is what is
    read) or waits for this transaction and deletes the card it stored (migration 0014's triggers).
    """
    ids = sorted(set(resume_ids), key=str)
    if not ids:
        return 0
    with transaction.atomic(using=using):
        locked = list(
            Resume.objects.using(using)
            .select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        resumes = with_masked_entries(Resume.objects.using(using).filter(pk__in=locked))
        serializer = MaskedResumeSerializer()
        cards = []
        for resume in resumes:
            data = serializer.redacted(resume)
            cards.append(
                MaskedResumeText(resume_id=resume.pk, rules=RULES, card={key: data[key] for key in CARD_FIELDS})
            )
        MaskedResumeText.objects.using(using).bulk_create(
            cards, update_conflicts=True, unique_fields=["resume"], update_fields=["rules", "card"]
        )
    return len(cards)
