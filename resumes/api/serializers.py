"""The masked resume: everything an employer may see before a reveal, and nothing that names a person."""

from rest_framework import serializers

from ..contact_text import redact, redact_items
from ..masked_text import kept_card
from ..models import EducationEntry, ExperienceEntry, Resume
from ..selectors.recruiters import MASKED_EDUCATION_FIELDS, MASKED_EXPERIENCE_FIELDS

# Free text a seeker typed: contact details (and their name) in it are shown as "[contact hidden]".
FREE_TEXT_FIELDS = ("headline", "summary", "city")
FREE_TEXT_ENTRY_FIELDS = {"experience": ("title", "industry"), "education": ("degree", "field")}


class MaskedEntriesSerializer(serializers.ListSerializer):
    """A resume's entries: the masked JSON objects read with the resume (PostgreSQL), else the prefetched rows."""

    def get_attribute(self, resume):
        read_with_resume = getattr(resume, f"masked_{self.field_name}", None)
        if read_with_resume is not None:
            return read_with_resume
        return super().get_attribute(resume)


class MaskedExperienceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExperienceEntry
        # Not employer_name: naming the employer narrows a person down.
        fields = MASKED_EXPERIENCE_FIELDS
        list_serializer_class = MaskedEntriesSerializer


class MaskedEducationSerializer(serializers.ModelSerializer):
    class Meta:
        model = EducationEntry
        fields = MASKED_EDUCATION_FIELDS
        list_serializer_class = MaskedEntriesSerializer


class MaskedResumeSerializer(serializers.ModelSerializer):
    skills = serializers.ListField(child=serializers.CharField())
    experience = MaskedExperienceSerializer(source="experience_entries", many=True)
    education = MaskedEducationSerializer(source="education_entries", many=True)

    class Meta:
        model = Resume
        fields = (
            "id",
            "headline",
            "summary",
            "skills",
            "city",
            "category",
            "years_experience",
            "experience",
            "education",
            "updated_at",
        )
        read_only_fields = fields

    def to_representation(self, resume: Resume) -> dict:
        card = kept_card(resume)
        if card is None:
            return self.redacted(resume)
        # The free text as redacted when it was written (resumes/masked_text.py): current, or not read at all.
        fields = self.fields
        return {
            "id": fields["id"].to_representation(resume.pk),
            "headline": card["headline"],
            "summary": card["summary"],
            "skills": card["skills"],
            "city": card["city"],
            "category": resume.category,
            "years_experience": resume.years_experience,
            "experience": card["experience"],
            "education": card["education"],
            "updated_at": fields["updated_at"].to_representation(resume.updated_at),
        }

    def redacted(self, resume: Resume) -> dict:
        """The masked resume from its stored text, redacted now (and what resumes/masked_text.py keeps of it)."""
        # The editor refuses contact details; this catches what is stored anyway (older rows, other paths).
        data = super().to_representation(resume)
        name_index = resume.name_index or ()
        for field in FREE_TEXT_FIELDS:
            data[field] = redact(data[field], name_index=name_index)
        data["skills"] = redact_items(data["skills"], name_index=name_index)
        for key, fields in FREE_TEXT_ENTRY_FIELDS.items():
            for entry in data[key]:
                for field in fields:
                    entry[field] = redact(entry[field], name_index=name_index)
        return data
