"""The masked resume: everything an employer may see before a reveal, and nothing that names a person."""

from rest_framework import serializers

from ..models import EducationEntry, ExperienceEntry, Resume


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
