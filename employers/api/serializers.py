"""Input and output shapes shared by the employers' API views."""

from rest_framework import serializers

from ..models import JobPosting


class JobOutputSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(
        choices=JobPosting._meta.get_field("status").choices,
        read_only=True,
        help_text="`draft` until the organisation is verified: seekers do not see it and reveals cannot cite it.",
    )

    class Meta:
        model = JobPosting
        fields = ("id", "title", "description", "city", "category", "status", "created_at", "updated_at")
        read_only_fields = fields
