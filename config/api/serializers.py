"""Serializers that more than one app's API uses: strict input, and the reveal quota's shape."""

from rest_framework import serializers

NOT_ACCEPTED = "This field is not accepted here."


class StrictInputSerializer(serializers.Serializer):
    """Refuses fields it does not declare, so that `status`, `plan` or `uscc` can never slip in unnoticed."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({field: [NOT_ACCEPTED] for field in unknown})
        return super().to_internal_value(data)


class QuotaLimitSerializer(serializers.Serializer):
    limit = serializers.IntegerField()
    used = serializers.IntegerField()
    remaining = serializers.IntegerField()
    resets_at = serializers.DateTimeField(
        help_text=(
            "When this limit frees up (ISO 8601 UTC): the next midnight in the platform's time zone "
            "(Asia/Shanghai) for daily limits, the first of next month there for the monthly one."
        )
    )


class QuotaSerializer(serializers.Serializer):
    recruiter_daily = QuotaLimitSerializer(help_text="Reveals by the calling recruiter today.")
    org_daily = QuotaLimitSerializer(help_text="Reveals by the organisation today.")
    org_monthly = QuotaLimitSerializer(help_text="Reveals by the organisation this month.")


# The largest key a BigAutoField holds (PostgreSQL bigint, SQLite integer).
MAX_DATABASE_ID = 2**63 - 1


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
