"""The operators' admin site: Django's, with its login rate-limited like every other login."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from accounts.forms import OperatorLoginForm
from accounts.views import login_email_rate_key, rate_limited_response
from config.errors import RateLimited
from config.ratelimit import enforce_rate_limit


class HirewallAdminSite(admin.AdminSite):
    site_header = "Hirewall operators"
    site_title = "Hirewall operators"
    login_form = OperatorLoginForm

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        user = request.user
        if user.is_authenticated and user.is_staff:
            # Django greets with get_username(), here the email's blind index; the operator's own name
            # is shown only to them, in the header of their own pages (templates/admin/base_site.html).
            context["operator_name"] = user.decrypt_full_name()
        return context

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if request.method == "POST":
            try:
                enforce_rate_limit(request, name="web_login_per_ip", key="ip")
                enforce_rate_limit(request, name="web_login_per_email", key=login_email_rate_key)
            except RateLimited as error:
                return rate_limited_response(request, error)
        return super().login(request, extra_context)
