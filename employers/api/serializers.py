"""Input and output shapes shared by the employers' API views."""

from rest_framework import serializers

from ..models import JobPosting


class JobOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = JobPosting
        fields = ("id", "title", "description", "city", "category", "status", "created_at", "updated_at")
        read_only_fields = fields
