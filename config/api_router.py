"""The employers' REST API, version 1: each app contributes its own api/urls.py."""

from django.urls import include, path, re_path

from .errors import api_not_found

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("employers.api.urls")),
    path("", include("resumes.api.urls")),
    # Unknown API paths answer JSON even with DEBUG on (Django's debug 404 page is HTML), for every method.
    re_path(r"^.*$", api_not_found),
]
