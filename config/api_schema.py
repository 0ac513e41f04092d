"""OpenAPI descriptions of the error bodies every endpoint shares (drf-spectacular)."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable snake_case error code.")
    detail = serializers.CharField(help_text="A human sentence; never contact-grade data.")


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per field; `non_field_errors` for the body as a whole. Absent for `parse_error`.",
    )


def error_response(description: str, *codes: str) -> OpenApiResponse:
    return OpenApiResponse(
        response=ErrorSerializer,
        description=f"{description} Codes: {', '.join(f'`{code}`' for code in codes)}.",
        examples=[
            OpenApiExample(code, value={"code": code, "detail": "A human sentence."}, response_only=True)
            for code in codes
        ],
    )


VALIDATION_ERROR = OpenApiResponse(
    response=ValidationErrorSerializer,
    description="The body is not valid: `invalid`, with messages per field, or `parse_error` when it is not JSON.",
)
UNAUTHENTICATED = error_response("No valid token.", "not_authenticated", "authentication_failed")
RATE_LIMITED = error_response("Too many requests; the `Retry-After` header says when to retry.", "rate_limited")
SERVICE_UNAVAILABLE = error_response(
    "The database or the cache is not answering; nothing changed.", "service_unavailable"
)

HEALTH_RESPONSE = inline_serializer(
    "Health",
    fields={
        "status": serializers.ChoiceField(choices=["ok", "unavailable"]),
        "checks": serializers.DictField(child=serializers.ChoiceField(choices=["ok", "down"])),
        "warnings": serializers.ListField(
            child=serializers.CharField(), help_text="Sentences for operators (HEALTH_WARNINGS); the answer stays 200."
        ),
    },
)


def consent_required_response() -> OpenApiResponse:
    return OpenApiResponse(
        response=inline_serializer(
            "ConsentRequired",
            fields={
                "code": serializers.ChoiceField(choices=["consent_required"]),
                "detail": serializers.CharField(),
                "contact_request_id": serializers.IntegerField(),
            },
        ),
        description="The seeker approves each organisation first: a contact request was made (or is pending).",
    )


def quota_exhausted_response() -> OpenApiResponse:
    return OpenApiResponse(
        response=inline_serializer(
            "QuotaExhausted",
            fields={
                "code": serializers.ChoiceField(choices=["quota_exhausted", "rate_limited"]),
                "detail": serializers.CharField(),
                "limit": serializers.ChoiceField(
                    choices=[
                        "recruiter_daily",
                        "org_daily",
                        "org_monthly",
                        "platform_ceiling",
                        "contact_requests_daily",
                    ],
                    required=False,
                    help_text=(
                        "With quota_exhausted: the limit reached. `contact_requests_daily`: the organisation "
                        "has sent its contact requests for the platform day (a setting)."
                    ),
                ),
                "resets_at": serializers.DateTimeField(
                    required=False,
                    help_text=(
                        "With quota_exhausted: when the limit frees up (ISO 8601 UTC): the next midnight in the "
                        "platform's time zone (Asia/Shanghai) for daily limits, the first of next month there for "
                        "`org_monthly`; "
                        "`platform_ceiling` frees up with the period of the limit it capped."
                    ),
                ),
            },
        ),
        description=(
            "`quota_exhausted` with the `limit` reached and `resets_at`, or `rate_limited`; both with a "
            "`Retry-After` header (seconds). A reveal that would send the seeker a new contact request is "
            "refused with `quota_exhausted` too when the reveal it leads to could not be paid now, or when "
            "the organisation has sent its contact requests for the day: no request is created and the seeker "
            "is not told."
        ),
    )


# Answers that every operation of a kind may give, added to the schema in one place
# (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) rather than repeated in each view.
ERROR_REF = {"$ref": "#/components/schemas/Error"}
RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before retrying; sent with `rate_limited` (and with `quota_exhausted`).",
    "schema": {"type": "integer", "minimum": 1},
}
UNAVAILABLE_RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before retrying a `service_unavailable`.",
    "schema": {"type": "integer", "minimum": 1},
}
SHARED_RESPONSES = {
    "413": "The body is larger than the platform accepts: `payload_too_large`; nothing changed.",
    "503": (
        "The database or the cache is not answering, or did not answer in time: `service_unavailable`; "
        "nothing changed. Retry after `Retry-After` seconds."
    ),
}
INVALID_CURSOR = "`not_found` when `cursor` is not one this list handed out."


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def document_shared_responses(*, result: dict, generator, request, public) -> dict:
    """Postprocessing hook: the 413, 503, invalid-cursor 404 and Retry-After every operation may answer with."""
    for operation in (op for path in result.get("paths", {}).values() for op in path.values()):
        responses = operation.setdefault("responses", {})
        if "requestBody" in operation:
            responses.setdefault("413", _error(SHARED_RESPONSES["413"]))
        responses.setdefault("503", _error(SHARED_RESPONSES["503"]))
        responses["503"].setdefault("headers", {})["Retry-After"] = UNAVAILABLE_RETRY_AFTER_HEADER
        if any(parameter.get("name") == "cursor" for parameter in operation.get("parameters", [])):
            if "404" in responses:
                responses["404"]["description"] += f" Also {INVALID_CURSOR}"
            else:
                responses["404"] = _error(f"The page does not exist: {INVALID_CURSOR}")
        if "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = RETRY_AFTER_HEADER
    return result
