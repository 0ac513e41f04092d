"""The operators' admin site: Django's, behind a rate-limited login and, where required, a second factor."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from two_factor.utils import default_device

from accounts.forms import ChangePasswordForm, OperatorLoginForm
from accounts.views import PasswordChangeView, login_email_rate_key, rate_limited_response
from config.errors import RateLimited
from config.ratelimit import enforce_rate_limits


class AdminChangePasswordForm(ChangePasswordForm):
    required_css_class = "required"  # as Django's admin form marks its fields


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

    def index(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        # Warnings an operator must act on before they become outages (the relay pool past its warning share).
        # Imported here: this module is loaded while the admin app starts, before the apps' models.
        from resumes.relay_pool import health_warning

        warning = health_warning()
        if warning is not None:
            messages.warning(request, warning)
        return super().index(request, extra_context)

    def has_permission(self, request: HttpRequest) -> bool:
        # Every admin view, Django's and the apps' own, asks this before it answers.
        if not super().has_permission(request):
            return False
        return not settings.ADMIN_REQUIRE_OTP or request.user.is_verified()

    def password_change(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """Django's page, with the web UI's view: rate-limited, and the new password written by
        accounts.services (the operator's other sessions end, the change is audited and mailed to them)."""
        request.current_app = self.name
        return PasswordChangeView.as_view(
            form_class=AdminChangePasswordForm,
            success_url=reverse("admin:password_change_done", current_app=self.name),
            template_name=self.password_change_template or "registration/password_change_form.html",
            extra_context={**self.each_context(request), **(extra_context or {})},
        )(request)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if settings.ADMIN_REQUIRE_OTP:
            return self._route_to_second_factor(request)
        if request.method == "POST":
            try:
                enforce_rate_limits(request, ("web_login_per_ip", "ip"), ("web_login_per_email", login_email_rate_key))
            except RateLimited as error:
                return rate_limited_response(request, error)
        return super().login(request, extra_context)

    def _route_to_second_factor(self, request: HttpRequest) -> HttpResponseRedirect:
        """Send the visitor to the step they miss: the two-step login, or enrolment of a first device."""
        next_url = request.POST.get(REDIRECT_FIELD_NAME, request.GET.get(REDIRECT_FIELD_NAME, ""))
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index", current_app=self.name)
        user = request.user
        if super().has_permission(request):
            if user.is_verified():
                return HttpResponseRedirect(next_url)
            if default_device(user) is None:
                # Signed in with the password alone and no device yet: enrol one, then the backup codes.
                return HttpResponseRedirect(reverse("two_factor:setup"))
        return HttpResponseRedirect(f"{reverse('two_factor:login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
