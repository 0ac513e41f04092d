"""Masked resume search and detail for recruiters of verified organisations.

Who may call: an active recruiter (`not_recruiter`, `recruiter_inactive`: 403) with a
seat (`no_organization`: 404) in an organisation that is verified now
(`org_not_verified`, `org_suspended`: 403). Searches and views go to the activity log.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.request_info import client_ip, user_agent
from audit.models import ActivityKind
from audit.services import record_activity
from config import api_schema
from config.api.pagination import PAGINATION_PARAMETERS, KeysetCursorPagination, newest_first_page, paginated
from config.api.serializers import ObjectIdField, QuotaSerializer, StrictInputSerializer
from config.ratelimit import enforce_rate_limits
from employers.categories import JobCategory

from .. import selectors
from ..contact_queries import ContactQueryRefused, screen_search_query
from ..models import ContactRequestStatus, RevealKind
from ..services import reveal_contact
from .serializers import MaskedResumeSerializer

MAX_YEARS = 80
TAGS = ["resumes"]
ACCESS_REFUSED = api_schema.error_response(
    "The caller may not search: not a recruiter, seat deactivated, organisation not verified or suspended.",
    "not_recruiter",
    "recruiter_inactive",
    "org_not_verified",
    "org_suspended",
)
SEARCH_REFUSED = OpenApiResponse(
    response=api_schema.ErrorSerializer,
    description=(
        "`invalid` (with `errors` per field), or `contact_query_refused`: `q` is itself contact data "
        "(a phone number, an email, a messaging handle), an attempt recorded in the audit log."
    ),
    examples=[
        OpenApiExample(
            ContactQueryRefused.code,
            value={"code": ContactQueryRefused.code, "detail": ContactQueryRefused.default_detail},
            response_only=True,
        )
    ],
)


class ResumeSearchPagination(KeysetCursorPagination):
    """Cursor pages, newest first; by relevance first when the database ranks a full-text query.

    The id ends each ordering and the cursor holds the whole key: ties on rank or updated_at
    (equal texts, bulk edits) can neither repeat nor skip a resume across pages.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 50
    # On resumes.ResumeSearchEntry: descending throughout, so that the recency index serves the keyset.
    ordering = ("-updated_at", "-resume_id")

    def get_ordering(self, request, queryset, view):
        if getattr(view, "ranked", False):
            return ("-rank", "-updated_at", "-resume_id")
        return self.ordering


class ResumeSearchApi(APIView):
    class ResumeSearchInputSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="Full text.")
        city = serializers.CharField(required=False, allow_blank=True, max_length=64)
        category = serializers.ChoiceField(choices=JobCategory.choices, required=False)
        skills = serializers.CharField(
            required=False, allow_blank=True, max_length=500, help_text="Comma-separated; every one must match."
        )
        min_years = serializers.IntegerField(required=False, min_value=0, max_value=MAX_YEARS)
        max_years = serializers.IntegerField(required=False, min_value=0, max_value=MAX_YEARS)

        def validate(self, attrs):
            low, high = attrs.get("min_years"), attrs.get("max_years")
            if low is not None and high is not None and low > high:
                raise serializers.ValidationError({"max_years": ["Must not be below min_years."]})
            return attrs

    @extend_schema(
        operation_id="resumes_search",
        summary="Search masked resumes",
        tags=TAGS,
        parameters=[
            ResumeSearchInputSerializer,
            OpenApiParameter("cursor", OpenApiTypes.STR, description="The opaque cursor from `next` or `previous`."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="Results per page, 1 to 50 (default 20)."),
        ],
        responses={
            200: paginated("PaginatedMaskedResumeList", MaskedResumeSerializer),
            400: SEARCH_REFUSED,
            401: api_schema.UNAUTHENTICATED,
            403: ACCESS_REFUSED,
            404: api_schema.error_response("The caller has no seat in an organisation.", "no_organization"),
            429: api_schema.RATE_LIMITED,
        },
    )
    def get(self, request: Request) -> Response:
        enforce_rate_limits(request, ("search_per_user", "user"), ("search_per_ip", "ip"))
        params = {key: value for key, value in request.query_params.items() if key not in {"cursor", "page_size"}}
        serializer = self.ResumeSearchInputSerializer(data=params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # Before the search and its activity row: a contact query is refused, audited, and never logged.
        screen_search_query(
            recruiter=request.user, query=data.get("q", ""), ip=client_ip(request), user_agent=user_agent(request)
        )
        filters = selectors.ResumeSearchFilters(
            q=data.get("q", ""),
            city=data.get("city", ""),
            category=data.get("category", ""),
            skills=[skill.strip() for skill in data.get("skills", "").split(",") if skill.strip()],
            min_years=data.get("min_years"),
            max_years=data.get("max_years"),
        )
        search = selectors.start_resume_search(user=request.user, filters=filters)
        self.ranked = search.ranked
        paginator = ResumeSearchPagination()
        entries = paginator.paginate_queryset(search.entries, request, view=self)
        page = selectors.masked_resumes_for_page(search=search, entries=entries)
        record_activity(
            kind=ActivityKind.SEARCH,
            actor=request.user,
            organization=search.organization,
            filters={**filters.as_log_details(), "cursor": bool(request.query_params.get("cursor"))},
            result_count=len(page),
            ip=client_ip(request),
        )
        return paginator.get_paginated_response(MaskedResumeSerializer(page, many=True).data)


class ResumeDetailApi(APIView):
    @extend_schema(
        operation_id="resumes_retrieve",
        summary="One masked resume",
        tags=TAGS,
        parameters=[OpenApiParameter("resume_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={
            200: MaskedResumeSerializer,
            401: api_schema.UNAUTHENTICATED,
            403: ACCESS_REFUSED,
            404: api_schema.error_response(
                "No seat, or no resume this organisation may see (hidden, blocked, or never there: one answer).",
                "no_organization",
                "not_found",
            ),
            429: api_schema.RATE_LIMITED,
        },
    )
    def get(self, request: Request, resume_id: str) -> Response:
        enforce_rate_limits(request, ("resume_detail_per_user", "user"), ("resume_detail_per_ip", "ip"))
        resume = selectors.get_masked_resume_for_recruiter(user=request.user, resume_id=resume_id)
        record_activity(
            kind=ActivityKind.VIEW,
            actor=request.user,
            organization=request.user.seat.organization,
            resume_id=resume.pk,
            ip=client_ip(request),
        )
        return Response(MaskedResumeSerializer(resume).data)


class RevealContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField(help_text="A relay alias unless the seeker allowed direct contact.")
    phone = serializers.CharField(help_text='A relay number and extension ("+864001234567,01234") or E.164.')
    kind = serializers.ChoiceField(choices=RevealKind.choices)


class RevealApi(APIView):
    class RevealInputSerializer(StrictInputSerializer):
        job_id = ObjectIdField(help_text="An open job of your organisation, cited.")

    class RevealOutputSerializer(serializers.Serializer):
        reveal_id = serializers.IntegerField()
        resume_id = serializers.UUIDField()
        contact = RevealContactSerializer()
        charged = serializers.BooleanField(
            help_text="False for an applicant to this job or a re-reveal within 30 days."
        )
        quota = QuotaSerializer()

    @extend_schema(
        operation_id="resumes_reveal",
        summary="Reveal one seeker's contact, citing an open job (audited, quota-limited)",
        tags=TAGS,
        request=RevealInputSerializer,
        parameters=[OpenApiParameter("resume_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={
            200: RevealOutputSerializer,
            202: api_schema.consent_required_response(),
            400: api_schema.VALIDATION_ERROR,
            401: api_schema.UNAUTHENTICATED,
            403: api_schema.error_response(
                "Refused by policy.",
                "not_recruiter",
                "recruiter_inactive",
                "org_not_verified",
                "org_suspended",
                "blocked_by_seeker",
            ),
            404: api_schema.error_response(
                "Nothing to reveal here.", "no_organization", "resume_unavailable", "job_invalid"
            ),
            429: api_schema.quota_exhausted_response(),
        },
    )
    def post(self, request: Request, resume_id: str) -> Response:
        enforce_rate_limits(request, ("reveal_per_user", "user"), ("reveal_per_ip", "ip"))
        serializer = self.RevealInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = reveal_contact(
            recruiter=request.user,
            resume=resume_id,
            job=serializer.validated_data["job_id"],
            ip=client_ip(request),
            user_agent=user_agent(request),
        )
        body = {
            "reveal_id": result.reveal.pk,
            "resume_id": result.reveal.resume_id,
            "contact": result.contact,
            "charged": result.charged,
            "quota": result.quota,
        }
        return Response(REVEAL_OUTPUT.to_representation(body))


# One output serializer renders every reveal's body: DRF deep-copies a serializer's declared fields
# for each new instance (with the nested contact and quota ones), which cost more than rendering.
# Rendering reads the fields only, so one instance serves every request and thread.
REVEAL_OUTPUT = RevealApi.RevealOutputSerializer()


class RevealHistoryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    # The opaque id stays in the organisation's history after the seeker deletes their account.
    resume_id = serializers.UUIDField(source="resume_ref")
    recruiter_email = serializers.SerializerMethodField()
    job_id = serializers.IntegerField(allow_null=True)
    kind = serializers.ChoiceField(choices=RevealKind.choices)
    charged = serializers.BooleanField()
    created_at = serializers.DateTimeField()

    def get_recruiter_email(self, reveal) -> str | None:
        # The organisation's own staff member, not a seeker.
        return reveal.recruiter.decrypt_email() if reveal.recruiter is not None else None


class RevealListApi(APIView):
    @extend_schema(
        operation_id="reveals_list",
        summary="Your organisation's reveals, newest first",
        tags=TAGS,
        parameters=PAGINATION_PARAMETERS,
        responses={
            200: paginated("PaginatedRevealList", RevealHistoryOutputSerializer),
            401: api_schema.UNAUTHENTICATED,
            403: api_schema.error_response("Not an active recruiter.", "not_recruiter", "recruiter_inactive"),
            404: api_schema.error_response("No seat in an organisation.", "no_organization"),
        },
    )
    def get(self, request: Request) -> Response:
        reveals = selectors.list_reveals_for_recruiter(user=request.user)
        return newest_first_page(request, self, reveals, RevealHistoryOutputSerializer)


class ContactRequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    resume_id = serializers.UUIDField()
    job_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ContactRequestStatus.choices)
    created_at = serializers.DateTimeField()


class ContactRequestListApi(APIView):
    @extend_schema(
        operation_id="contact_requests_list",
        summary="Your organisation's contact requests, newest first",
        tags=TAGS,
        parameters=PAGINATION_PARAMETERS,
        responses={
            200: paginated("PaginatedContactRequestList", ContactRequestOutputSerializer),
            401: api_schema.UNAUTHENTICATED,
            403: api_schema.error_response("Not an active recruiter.", "not_recruiter", "recruiter_inactive"),
            404: api_schema.error_response("No seat in an organisation.", "no_organization"),
        },
    )
    def get(self, request: Request) -> Response:
        requests = selectors.list_contact_requests_for_recruiter(user=request.user)
        return newest_first_page(request, self, requests, ContactRequestOutputSerializer)
