"""Root URLs: the seekers' web UI at /, the employers' API at /api/v1/, the admin, health, docs."""

from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView, TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from resumes import webhooks as relay_webhooks

from . import admin_two_factor
from .errors import api_not_found
from .health import healthz


class FaviconRedirect(RedirectView):
    """Browsers ask for /favicon.ico whatever a page links: send them to the static icon (whitenoise serves it)."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        # Resolved per request, not at import: the production storage's manifest exists only after collectstatic.
        return static("favicon.ico")


urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", FaviconRedirect.as_view(), name="favicon"),
    path(settings.ADMIN_URL, include(admin_two_factor.urls)),  # the second factor, before the admin's catch-all
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/v1/", include("config.api_router")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Any other path under /api/ is the API's JSON 404, for every method, with DEBUG on too (make run).
    re_path(r"^api/", api_not_found),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("relay/email/inbound", relay_webhooks.inbound_email, name="relay-email-inbound"),
    path("relay/voice/resolve", relay_webhooks.resolve_voice, name="relay-voice-resolve"),
    path("", include("detection.urls")),  # the seekers' misuse reports, beside their access log
    path("", include("resumes.urls")),
]


handler404 = "config.errors.not_found"
handler500 = "config.unavailable.server_error"  # an outage outside a view is 503 too
