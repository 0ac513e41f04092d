"""The masked resume: everything an employer may see before a reveal, and nothing that names a person."""

from rest_framework import serializers

from ..contact_text import redact, redact_items
from ..models import EducationEntry, ExperienceEntry, Resume

# Free text a seeker typed: contact details (and their name) in it are shown as "[contact hidden]".
FREE_TEXT_FIELDS = ("headline", "summary", "city")
FREE_TEXT_ENTRY_FIELDS = {"experience": ("title", "industry"), "education": ("degree", "field")}


class MaskedExperienceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExperienceEntry
        # Not employer_name: naming the employer narrows a person down.
        fields = ("title", "industry", "start", "end")


class MaskedEducationSerializer(serializers.ModelSerializer):
    class Meta:
        model = EducationEntry
        fields = ("degree", "field", "start_year", "end_year")


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
