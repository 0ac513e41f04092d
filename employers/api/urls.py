from django.urls import path

from .views import (
    JobApplicationsApi,
    JobDetailApi,
    JobListCreateApi,
    LicenceUploadApi,
    OrganizationMeApi,
    OrganizationRegisterApi,
    RecruiterAddApi,
)

urlpatterns = [
    path("organizations", OrganizationRegisterApi.as_view(), name="organizations-register"),
    path("organizations/me", OrganizationMeApi.as_view(), name="organizations-me"),
    path("organizations/me/licence", LicenceUploadApi.as_view(), name="organizations-me-licence"),
    path("organizations/me/recruiters", RecruiterAddApi.as_view(), name="organizations-me-recruiters"),
    path("jobs", JobListCreateApi.as_view(), name="jobs"),
    path("jobs/<int:job_id>", JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<int:job_id>/applications", JobApplicationsApi.as_view(), name="job-applications"),
]
