"""Input and output shapes shared by the employers' API views."""

from rest_framework import serializers

from ..models import JobPosting

NOT_ACCEPTED = "This field is not accepted here."
# The largest key a BigAutoField holds (PostgreSQL bigint, SQLite integer).
MAX_DATABASE_ID = 2**63 - 1


class StrictInputSerializer(serializers.Serializer):
    """Refuses fields it does not declare, so that `status`, `plan` or `uscc` can never slip in unnoticed."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({field: [NOT_ACCEPTED] for field in unknown})
        return super().to_internal_value(data)


class ObjectIdField(serializers.IntegerField):
    """A positive id; one beyond any key the database can hold becomes None, which matches no row.

    The service then refuses it exactly as it refuses any id that resolves to nothing
    (the reveal service audits that denial), instead of the database failing on the value.
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)
        return None if value is not None and value > MAX_DATABASE_ID else value


class JobOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = JobPosting
        fields = ("id", "title", "description", "city", "category", "status", "created_at", "updated_at")
        read_only_fields = fields
