"""Input and output shapes shared by the employers' API views."""

from rest_framework import serializers

from ..models import JobPosting

NOT_ACCEPTED = "This field is not accepted here."


class StrictInputSerializer(serializers.Serializer):
    """Refuses fields it does not declare, so that `status`, `plan` or `uscc` can never slip in unnoticed."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({field: [NOT_ACCEPTED] for field in unknown})
        return super().to_internal_value(data)


class JobOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = JobPosting
        fields = ("id", "title", "description", "city", "category", "status", "created_at", "updated_at")
        read_only_fields = fields
