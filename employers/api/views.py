"""Employers' endpoints: organisations, licence, invitations to seats, jobs and applications.

Every view translates input, calls one service or selector, and translates output.
Who may call: an authenticated recruiter (else 403 `not_recruiter`) with a seat
(else 404 `no_organization`) that is active (else 403 `recruiter_inactive`);
registering an organisation and answering an invitation are the calls made without a seat.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.request_info import client_ip, user_agent
from config import api_schema
from config.api.pagination import PAGINATION_PARAMETERS, newest_first_page, paginated
from config.api.serializers import QuotaSerializer, StrictInputSerializer
from config.ratelimit import enforce_rate_limit, enforce_rate_limits

from .. import errors, selectors, services
from ..categories import JobCategory
from ..models import (
    CITY_MAX_LENGTH,
    LEGAL_NAME_MAX_LENGTH,
    SEAT_DISPLAY_NAME_MAX_LENGTH,
    SEAT_TITLE_MAX_LENGTH,
    JobStatus,
    OrganizationStatus,
    Plan,
    SeatRole,
)
from .serializers import JobOutputSerializer

TAG_ORGANIZATIONS = ["organizations"]
TAG_JOBS = ["jobs"]
TAG_INVITATIONS = ["invitations"]

NOT_RECRUITER_OR_INACTIVE = api_schema.error_response(
    "The caller is not a recruiter, or their seat is deactivated.", "not_recruiter", "recruiter_inactive"
)
NOT_ORG_ADMIN = api_schema.error_response(
    "Not a recruiter, deactivated, or not an admin of the organisation.",
    "not_recruiter",
    "recruiter_inactive",
    "not_org_admin",
)
NO_ORGANIZATION = api_schema.error_response("The caller has no seat in an organisation.", "no_organization")
JOB_NOT_FOUND = api_schema.error_response(
    "No seat (`no_organization`), or no such job in the caller's organisation (`not_found`): "
    "another organisation's job answers exactly like a missing one.",
    "no_organization",
    "not_found",
)
JOB_ID_PARAMETER = OpenApiParameter("job_id", int, OpenApiParameter.PATH, description="The job's id.")


class OrganizationRegisterApi(APIView):
    class OrganizationRegisterInputSerializer(StrictInputSerializer):
        legal_name = serializers.CharField(max_length=LEGAL_NAME_MAX_LENGTH)
        uscc = serializers.CharField(
            max_length=64, help_text="Unified Social Credit Code, 18 characters (GB 32100-2015)."
        )
        city = serializers.CharField(max_length=CITY_MAX_LENGTH)

    class OrganizationRegisterOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        status = serializers.ChoiceField(choices=OrganizationStatus.choices)
        legal_name = serializers.CharField()
        uscc = serializers.CharField()
        city = serializers.CharField()
        plan = serializers.ChoiceField(choices=Plan.choices)

    @extend_schema(
        operation_id="organizations_register",
        summary="Register an organisation; the caller becomes its admin",
        description=(
            "The organisation starts `pending` and can reveal nothing until an operator verifies it. "
            "`status`, `plan` and anything undeclared are refused. Attempts with a well-formed code that "
            "is taken or on the adverse credit list are recorded."
        ),
        tags=TAG_ORGANIZATIONS,
        request=OrganizationRegisterInputSerializer,
        responses={
            201: OrganizationRegisterOutputSerializer,
            400: api_schema.error_response(
                "The code is not valid, already registered or on the adverse credit list; the caller already "
                "has a seat; or the body is not valid (`invalid`, with `errors`).",
                "invalid_uscc",
                "uscc_taken",
                "uscc_blacklisted",
                "already_in_organization",
                "invalid",
            ),
            401: api_schema.UNAUTHENTICATED,
            403: NOT_RECRUITER_OR_INACTIVE,
            429: api_schema.RATE_LIMITED,
        },
    )
    def post(self, request: Request) -> Response:
        # Each attempt probes whether a USCC is taken or blacklisted: limit how fast anyone can ask.
        enforce_rate_limits(request, ("organization_register_per_user", "user"), ("organization_register_per_ip", "ip"))
        selectors.ensure_can_register(user=request.user)
        serializer = self.OrganizationRegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = services.register_organization(
            recruiter=request.user,
            **serializer.validated_data,
            ip=client_ip(request._request),
            user_agent=user_agent(request._request),
        )
        return Response(self.OrganizationRegisterOutputSerializer(organization).data, status=status.HTTP_201_CREATED)


class OrganizationMeApi(APIView):
    class OrganizationMeOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        legal_name = serializers.CharField()
        uscc = serializers.CharField()
        city = serializers.CharField()
        status = serializers.ChoiceField(choices=OrganizationStatus.choices)
        plan = serializers.ChoiceField(choices=Plan.choices)
        is_verified = serializers.BooleanField(
            source="is_effectively_verified",
            help_text="Verified and not past `reverify_due`: only then may the organisation reveal contacts.",
        )
        reverify_due = serializers.DateTimeField(allow_null=True)
        seat_role = serializers.ChoiceField(choices=SeatRole.choices, help_text="The caller's role here.")
        quota = QuotaSerializer()

    @extend_schema(
        operation_id="organizations_me",
        summary="The caller's organisation: status, plan and reveal quota",
        tags=TAG_ORGANIZATIONS,
        responses={
            200: OrganizationMeOutputSerializer,
            401: api_schema.UNAUTHENTICATED,
            403: NOT_RECRUITER_OR_INACTIVE,
            404: NO_ORGANIZATION,
        },
    )
    def get(self, request: Request) -> Response:
        seat = selectors.get_active_seat(user=request.user)
        organization = seat.organization
        organization.seat_role = seat.role
        organization.quota = selectors.quota_usage(seat=seat)
        return Response(self.OrganizationMeOutputSerializer(organization).data)


class LicenceUploadApi(APIView):
    parser_classes = (MultiPartParser,)

    class LicenceUploadInputSerializer(StrictInputSerializer):
        # An empty file goes on to the service, which refuses it with invalid_file like any other bad file.
        file = serializers.FileField(
            allow_empty_file=True, help_text="PDF, PNG or JPEG, at most 5 MB; the content decides, not the name."
        )

    class LicenceUploadOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        content_type = serializers.CharField()
        size = serializers.IntegerField()
        sha256 = serializers.CharField()
        uploaded_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="organizations_me_licence",
        summary="Upload the organisation's business licence (admins of the organisation)",
        description="The file is kept outside any public URL; only operators view it.",
        tags=TAG_ORGANIZATIONS,
        request={"multipart/form-data": LicenceUploadInputSerializer},
        responses={
            201: LicenceUploadOutputSerializer,
            400: api_schema.error_response(
                "Not a PDF, PNG or JPEG by content, empty or over 5 MB (`invalid_file`); no file (`invalid`).",
                "invalid_file",
                "invalid",
            ),
            401: api_schema.UNAUTHENTICATED,
            403: NOT_ORG_ADMIN,
            404: NO_ORGANIZATION,
            429: api_schema.RATE_LIMITED,
        },
    )
    def post(self, request: Request) -> Response:
        seat = selectors.get_admin_seat(user=request.user)
        # Counted before the file is read: each kept upload is up to 5 MB of private storage.
        enforce_rate_limits(request, ("licence_upload_per_user", "user"), ("licence_upload_per_ip", "ip"))
        serializer = self.LicenceUploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        licence = services.upload_licence(
            seat=seat,
            file=serializer.validated_data["file"],
            ip=client_ip(request._request),
            user_agent=user_agent(request._request),
        )
        return Response(self.LicenceUploadOutputSerializer(licence).data, status=status.HTTP_201_CREATED)


class RecruiterInviteApi(APIView):
    class RecruiterInviteInputSerializer(StrictInputSerializer):
        email = serializers.EmailField(max_length=254, help_text="The address to invite; it need not have an account.")
        role = serializers.ChoiceField(choices=SeatRole.choices, default=SeatRole.RECRUITER)

    class RecruiterInviteOutputSerializer(serializers.Serializer):
        invitation_id = serializers.UUIDField(source="pk")
        expires_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="organizations_me_recruiters_invite",
        summary="Invite an address to a seat in the caller's organisation (admins)",
        description=(
            "Nobody is seated until the invited person accepts (`POST invitations/{id}/accept`). The answer is "
            "the same whether or not the address has an account, and the address is never echoed back. Open "
            "invitations hold a seat until they expire; inviting an address again replaces its open invitation. "
            "The address is told by e-mail."
        ),
        tags=TAG_ORGANIZATIONS,
        request=RecruiterInviteInputSerializer,
        responses={
            202: RecruiterInviteOutputSerializer,
            400: api_schema.VALIDATION_ERROR,
            401: api_schema.UNAUTHENTICATED,
            403: api_schema.error_response(
                "Not a recruiter, deactivated, not an admin of the organisation, or the organisation is suspended.",
                "not_recruiter",
                "recruiter_inactive",
                "not_org_admin",
                "org_suspended",
            ),
            404: NO_ORGANIZATION,
            409: api_schema.error_response("Every seat is taken or held by an open invitation.", "seats_full"),
            429: api_schema.RATE_LIMITED,
        },
    )
    def post(self, request: Request) -> Response:
        seat = selectors.get_admin_seat(user=request.user)
        enforce_rate_limit(request, name="invitation_per_user", key="user")
        serializer = self.RecruiterInviteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invite_recruiter(seat=seat, **serializer.validated_data)
        return Response(self.RecruiterInviteOutputSerializer(invitation).data, status=status.HTTP_202_ACCEPTED)


INVITATION_ID_PARAMETER = OpenApiParameter(
    "invitation_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The invitation's id."
)
NOT_RECRUITER = api_schema.error_response("Only recruiter accounts take seats.", "not_recruiter")
INVITATION_NOT_FOUND = api_schema.error_response(
    "Not an open invitation of the caller: someone else's, expired, answered or withdrawn (one answer).",
    "not_found",
)


class InvitingOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    legal_name = serializers.CharField()


class InvitationListApi(APIView):
    class InvitationOutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        organization = InvitingOrganizationSerializer()
        role = serializers.ChoiceField(choices=SeatRole.choices)
        expires_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="invitations_list",
        summary="The caller's open invitations, newest first",
        description="Invitations to the caller's address that are neither answered nor expired.",
        tags=TAG_INVITATIONS,
        parameters=PAGINATION_PARAMETERS,
        responses={
            200: paginated("PaginatedInvitationList", InvitationOutputSerializer),
            401: api_schema.UNAUTHENTICATED,
            403: NOT_RECRUITER,
        },
    )
    def get(self, request: Request) -> Response:
        invitations = selectors.list_invitations_for_recruiter(user=request.user)
        return newest_first_page(request, self, invitations, self.InvitationOutputSerializer)


class InvitationAcceptApi(APIView):
    class InvitationAcceptOutputSerializer(serializers.Serializer):
        organization_id = serializers.IntegerField()
        role = serializers.ChoiceField(choices=SeatRole.choices)

    @extend_schema(
        operation_id="invitations_accept",
        summary="Accept an invitation: the seat exists from now",
        tags=TAG_INVITATIONS,
        request=None,
        parameters=[INVITATION_ID_PARAMETER],
        responses={
            200: InvitationAcceptOutputSerializer,
            401: api_schema.UNAUTHENTICATED,
            403: NOT_RECRUITER,
            404: INVITATION_NOT_FOUND,
            409: api_schema.error_response(
                "The caller already holds a seat, active or not.", "already_in_organization"
            ),
        },
    )
    def post(self, request: Request, invitation_id) -> Response:
        seat = services.accept_invitation(user=request.user, invitation_id=invitation_id)
        return Response(self.InvitationAcceptOutputSerializer(seat).data)


class InvitationDeclineApi(APIView):
    @extend_schema(
        operation_id="invitations_decline",
        summary="Decline an invitation; its seat is free again",
        tags=TAG_INVITATIONS,
        request=None,
        parameters=[INVITATION_ID_PARAMETER],
        responses={
            204: None,
            401: api_schema.UNAUTHENTICATED,
            403: NOT_RECRUITER,
            404: INVITATION_NOT_FOUND,
        },
    )
    def post(self, request: Request, invitation_id) -> Response:
        services.decline_invitation(user=request.user, invitation_id=invitation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class JobInputSerializer(StrictInputSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000)
    city = serializers.CharField(max_length=CITY_MAX_LENGTH)
    category = serializers.ChoiceField(choices=JobCategory.choices)


class JobListCreateApi(APIView):
    class JobCreateInputSerializer(JobInputSerializer):
        pass

    @extend_schema(
        operation_id="jobs_list",
        summary="The caller's organisation's jobs, newest first",
        tags=TAG_JOBS,
        parameters=PAGINATION_PARAMETERS,
        responses={
            200: paginated("PaginatedJobList", JobOutputSerializer),
            401: api_schema.UNAUTHENTICATED,
            403: NOT_RECRUITER_OR_INACTIVE,
            404: NO_ORGANIZATION,
        },
    )
    def get(self, request: Request) -> Response:
        jobs = selectors.list_jobs_for_recruiter(user=request.user)
        return newest_first_page(request, self, jobs, JobOutputSerializer)

    @extend_schema(
        operation_id="jobs_create",
        summary="Post a job: open, or a draft until the organisation is verified",
        description=(
            "Organisations of any status may post jobs. A verified organisation's job starts `open`; any other's "
            "starts `draft`: listed here for the organisation, invisible to seekers and not citable for reveals, "
            "until an operator verifies the organisation, which opens its drafts."
        ),
        tags=TAG_JOBS,
        request=JobCreateInputSerializer,
        responses={
            201: JobOutputSerializer,
            400: api_schema.VALIDATION_ERROR,
            401: api_schema.UNAUTHENTICATED,
            403: NOT_RECRUITER_OR_INACTIVE,
            404: NO_ORGANIZATION,
        },
    )
    def post(self, request: Request) -> Response:
        seat = selectors.get_active_seat(user=request.user)
        serializer = self.JobCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = services.create_job(seat=seat, **serializer.validated_data)
        return Response(JobOutputSerializer(job).data, status=status.HTTP_201_CREATED)


# What a recruiter may set; `draft` is the platform's, until the organisation is verified.
SETTABLE_JOB_STATUSES = [(JobStatus.OPEN, JobStatus.OPEN.label), (JobStatus.CLOSED, JobStatus.CLOSED.label)]


class JobDetailApi(APIView):
    class JobUpdateInputSerializer(JobInputSerializer):
        status = serializers.ChoiceField(
            choices=SETTABLE_JOB_STATUSES,
            help_text="`open` only once the organisation is verified: until then its jobs stay drafts.",
        )

    @extend_schema(
        operation_id="jobs_retrieve",
        summary="One of the caller's organisation's jobs",
        tags=TAG_JOBS,
        parameters=[JOB_ID_PARAMETER],
        responses={
            200: JobOutputSerializer,
            401: api_schema.UNAUTHENTICATED,
            403: NOT_RECRUITER_OR_INACTIVE,
            404: JOB_NOT_FOUND,
        },
    )
    def get(self, request: Request, job_id: int) -> Response:
        job = selectors.get_job_for_recruiter(user=request.user, job_id=job_id)
        return Response(JobOutputSerializer(job).data)

    @extend_schema(
        operation_id="jobs_update",
        summary="Change a job's text, city, category or status (open, closed)",
        description=(
            "A draft (a job of an organisation not yet verified) may be edited or closed, but not opened: "
            "`org_not_verified` until an operator verifies the organisation, which opens its drafts."
        ),
        tags=TAG_JOBS,
        parameters=[JOB_ID_PARAMETER],
        request=JobUpdateInputSerializer(partial=True),
        responses={
            200: JobOutputSerializer,
            400: OpenApiResponse(
                response=api_schema.ValidationErrorSerializer,
                description=(
                    "`invalid`, with `errors` per field; or `org_not_verified` (no `errors`): the organisation "
                    "is not verified, so the job cannot be opened (it stays a draft, or closed); or "
                    "`org_suspended` (no `errors`): an operator suspended the organisation."
                ),
                examples=[
                    OpenApiExample(
                        "org_not_verified",
                        value={"code": "org_not_verified", "detail": errors.JobNeedsVerification.default_detail},
                        response_only=True,
                    ),
                    OpenApiExample(
                        "org_suspended",
                        value={"code": "org_suspended", "detail": errors.JobOfSuspendedOrganization.default_detail},
                        response_only=True,
                    ),
                    OpenApiExample(
                        "invalid",
                        value={"code": "invalid", "detail": "A human sentence.", "errors": {"status": ["..."]}},
                        response_only=True,
                    ),
                ],
            ),
            401: api_schema.UNAUTHENTICATED,
            403: NOT_RECRUITER_OR_INACTIVE,
            404: JOB_NOT_FOUND,
        },
    )
    def patch(self, request: Request, job_id: int) -> Response:
        job = selectors.get_job_for_recruiter(user=request.user, job_id=job_id)
        serializer = self.JobUpdateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        job = services.update_job(job=job, **serializer.validated_data)
        return Response(JobOutputSerializer(job).data)


class JobApplicationsApi(APIView):
    class ApplicationOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        resume_id = serializers.UUIDField(
            allow_null=True,
            help_text=(
                "The opaque id of the resume sent with the application; null until resumes are part of the "
                "platform. The applicant is never named here."
            ),
        )
        applied_at = serializers.DateTimeField(source="created_at")

    @extend_schema(
        operation_id="jobs_applications_list",
        summary="Applications to one of the caller's organisation's jobs, newest first (masked)",
        tags=TAG_JOBS,
        parameters=[JOB_ID_PARAMETER, *PAGINATION_PARAMETERS],
        responses={
            200: paginated("PaginatedApplicationList", ApplicationOutputSerializer),
            401: api_schema.UNAUTHENTICATED,
            403: NOT_RECRUITER_OR_INACTIVE,
            404: JOB_NOT_FOUND,
        },
    )
    def get(self, request: Request, job_id: int) -> Response:
        applications = selectors.list_applications_for_recruiter(user=request.user, job_id=job_id)
        return newest_first_page(request, self, applications, self.ApplicationOutputSerializer)


class SeatMeApi(APIView):
    """The caller's own seat, and the name and title seekers see for them."""

    class SeatMeInputSerializer(StrictInputSerializer):
        display_name = serializers.CharField(
            max_length=SEAT_DISPLAY_NAME_MAX_LENGTH,
            allow_blank=True,
            help_text=(
                "How seekers' access logs name you, e.g. “Wang L.” or “Hiring team”; your private full name "
                "only if you choose it. Plain text, no phone, e-mail, handle or link. Empty: seekers see an "
                "opaque reference."
            ),
        )
        title = serializers.CharField(
            max_length=SEAT_TITLE_MAX_LENGTH,
            allow_blank=True,
            help_text="Your title as seekers see it, e.g. “Talent acquisition lead”. Plain text, no contact details.",
        )

    class SeatMeOutputSerializer(serializers.Serializer):
        organization_id = serializers.IntegerField()
        organization_legal_name = serializers.CharField(
            source="organization.legal_name", help_text="Shown to seekers beside your name and title."
        )
        role = serializers.ChoiceField(choices=SeatRole.choices)
        display_name = serializers.CharField()
        title = serializers.CharField()

    @extend_schema(
        operation_id="organizations_me_seat",
        summary="The caller's seat: role, and the name and title seekers see",
        tags=TAG_ORGANIZATIONS,
        responses={
            200: SeatMeOutputSerializer,
            401: api_schema.UNAUTHENTICATED,
            403: NOT_RECRUITER_OR_INACTIVE,
            404: NO_ORGANIZATION,
        },
    )
    def get(self, request: Request) -> Response:
        seat = selectors.get_active_seat(user=request.user)
        return Response(self.SeatMeOutputSerializer(seat).data)

    @extend_schema(
        operation_id="organizations_me_seat_update",
        summary="Set the name and title seekers see in their access logs",
        description=(
            "Every seeker whose contact you receive sees, in their access log, your display name and title "
            "beside the organisation's legal name. Both are optional; send either or both. The change is audited "
            "(which fields, never their values)."
        ),
        tags=TAG_ORGANIZATIONS,
        request=SeatMeInputSerializer(partial=True),
        responses={
            200: SeatMeOutputSerializer,
            400: api_schema.error_response(
                "A phone, e-mail, messaging handle or link in the name or title (`contact_in_free_text`); "
                "too long or not text (`invalid`, with `errors`).",
                "contact_in_free_text",
                "invalid",
            ),
            401: api_schema.UNAUTHENTICATED,
            403: NOT_RECRUITER_OR_INACTIVE,
            404: NO_ORGANIZATION,
        },
    )
    def patch(self, request: Request) -> Response:
        seat = selectors.get_active_seat(user=request.user)
        serializer = self.SeatMeInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        seat = services.update_seat_profile(seat=seat, **serializer.validated_data)
        return Response(self.SeatMeOutputSerializer(seat).data)
