"""The seekers' misuse reports, under their /me/ pages."""

from django.urls import path

from . import views

app_name = "detection"

urlpatterns = [
    path("me/access-log/report/<int:organization_id>/", views.report_misuse, name="report_misuse"),
]
