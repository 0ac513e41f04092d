from django.urls import path

from .views import (
    InvitationAcceptApi,
    InvitationDeclineApi,
    InvitationListApi,
    JobApplicationsApi,
    JobDetailApi,
    JobListCreateApi,
    LicenceUploadApi,
    OrganizationMeApi,
    OrganizationRegisterApi,
    RecruiterInviteApi,
    SeatMeApi,
)

urlpatterns = [
    path("organizations", OrganizationRegisterApi.as_view(), name="organizations-register"),
    path("organizations/me", OrganizationMeApi.as_view(), name="organizations-me"),
    path("organizations/me/licence", LicenceUploadApi.as_view(), name="organizations-me-licence"),
    path("organizations/me/recruiters", RecruiterInviteApi.as_view(), name="organizations-me-recruiters"),
    path("organizations/me/seat", SeatMeApi.as_view(), name="organizations-me-seat"),
    path("invitations", InvitationListApi.as_view(), name="invitations"),
    path("invitations/<uuid:invitation_id>/accept", InvitationAcceptApi.as_view(), name="invitation-accept"),
    path("invitations/<uuid:invitation_id>/decline", InvitationDeclineApi.as_view(), name="invitation-decline"),
    path("jobs", JobListCreateApi.as_view(), name="jobs"),
    path("jobs/<int:job_id>", JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<int:job_id>/applications", JobApplicationsApi.as_view(), name="job-applications"),
]
