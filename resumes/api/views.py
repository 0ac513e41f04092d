"""Masked resume search and detail for recruiters of verified organisations.

Who may call: an active recruiter (`not_recruiter`, `recruiter_inactive`: 403) with a
seat (`no_organization`: 404) in an organisation that is verified now
(`org_not_verified`, `org_suspended`: 403). Searches and views go to the activity log.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config import api_schema
from config.ratelimit import enforce_rate_limit
from employers.categories import JobCategory

from .. import selectors
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


class ResumeSearchPagination(CursorPagination):
    """Cursor pages, newest first; by relevance first when the database ranks a full-text query."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 50
    ordering = ("-updated_at", "id")

    def get_ordering(self, request, queryset, view):
        if getattr(view, "ranked", False):
            return ("-rank", "-updated_at", "id")
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
            200: MaskedResumeSerializer(many=True),
            400: api_schema.VALIDATION_ERROR,
            401: api_schema.UNAUTHENTICATED,
            403: ACCESS_REFUSED,
            404: api_schema.error_response("The caller has no seat in an organisation.", "no_organization"),
            429: api_schema.RATE_LIMITED,
        },
    )
    def get(self, request: Request) -> Response:
        enforce_rate_limit(request, name="search_per_user", key="user")
        enforce_rate_limit(request, name="search_per_ip", key="ip")
        params = {key: value for key, value in request.query_params.items() if key not in {"cursor", "page_size"}}
        serializer = self.ResumeSearchInputSerializer(data=params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        filters = selectors.ResumeSearchFilters(
            q=data.get("q", ""),
            city=data.get("city", ""),
            category=data.get("category", ""),
            skills=[skill.strip() for skill in data.get("skills", "").split(",") if skill.strip()],
            min_years=data.get("min_years"),
            max_years=data.get("max_years"),
        )
        resumes = selectors.search_masked_resumes(user=request.user, filters=filters)
        self.ranked = selectors.is_ranked(resumes)
        paginator = ResumeSearchPagination()
        page = paginator.paginate_queryset(resumes, request, view=self)
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
        enforce_rate_limit(request, name="resume_detail_per_user", key="user")
        enforce_rate_limit(request, name="resume_detail_per_ip", key="ip")
        resume = selectors.get_masked_resume_for_recruiter(user=request.user, resume_id=resume_id)
        return Response(MaskedResumeSerializer(resume).data)
