"""The seekers' pages (/me/...) and the job board (/jobs/...)."""

from django.urls import path

from . import views

app_name = "resumes"

urlpatterns = [
    path("me/", views.dashboard, name="dashboard"),
    path("me/resume/", views.resume_editor, name="resume"),
    path("me/contact/", views.contact_details, name="contact"),
    path("me/contact/photo", views.contact_photo, name="contact_photo"),
    path("me/privacy/", views.privacy, name="privacy"),
    path("me/privacy/block/", views.block, name="block"),
    path("me/privacy/unblock/<int:organization_id>/", views.unblock, name="unblock"),
    path("me/privacy/direct/<int:organization_id>/revoke/", views.revoke_direct_contact, name="revoke_direct"),
    path("me/applications/", views.applications, name="applications"),
    path("me/access-log/", views.access_log, name="access_log"),
    path("me/requests/", views.contact_requests, name="requests"),
    path("me/requests/<int:request_id>/approve/", views.approve_request, name="approve_request"),
    path("me/requests/<int:request_id>/decline/", views.decline_request, name="decline_request"),
    path("me/relays/", views.relay_contacts, name="relays"),
    path("me/relays/<int:relay_id>/revoke/", views.revoke_relay, name="revoke_relay"),
    path("me/notifications/", views.notifications, name="notifications"),
    path("me/export/", views.export, name="export"),
    path("me/delete/", views.delete_account, name="delete"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("jobs/<int:job_id>/apply/", views.apply, name="apply"),
]
