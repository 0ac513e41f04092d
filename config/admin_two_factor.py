"""The admin's second factor: django-two-factor-auth's login, enrolment and backup codes, for operators only.

The views are the library's, with what the admin needs on top: the password step
takes an operator's email and shares the admin login's rate limits, the code step
is rate-limited per operator and per address and records its failures as login
events, only an operator without a device may enrol one, and every page wears the
admin's header (templates/two_factor/).
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from two_factor import views as two_factor_views
from two_factor.forms import AuthenticationTokenForm, BackupTokenForm
from two_factor.utils import default_device, get_otpauth_url, totp_digits

from accounts import crypto
from accounts.forms import OperatorLoginForm
from accounts.models import LoginFailure
from accounts.second_factor import reset_second_factor
from accounts.services import record_login_attempt
from accounts.views import rate_limited_response
from config.admin_tools import ReadOnlyAdmin, call_for_each, confirm_with_reason
from config.errors import RateLimited
from config.ratelimit import enforce_rate_limits

# Only an active operator reaches enrolment, the QR code and the backup codes; others go to the admin's login.
operators_only = method_decorator(staff_member_required(login_url="admin:login"), name="dispatch")


def otp_account_label(user: AbstractBaseUser) -> str:
    """What an authenticator app lists under the issuer: the short account id, never the address."""
    return str(user)


def typed_email_rate_key(group: str, request: HttpRequest) -> str:
    # The same key as the admin's one-step login (accounts.views.login_email_rate_key), read from the
    # wizard's prefixed field, so that both logins share one counter per account.
    typed = request.POST.get("auth-username", "")
    return crypto.email_blind_index(typed) if typed.strip() else "none"


class AdminLookMixin:
    """The admin's header and greeting around the library's pages (templates/two_factor/_base.html)."""

    def get_context_data(self, *args, **kwargs) -> dict:
        context = super().get_context_data(*args, **kwargs)
        return {**admin.site.each_context(self.request), **context}


class OperatorLoginView(AdminLookMixin, two_factor_views.LoginView):
    """Password (operators only), then a TOTP or backup code when the operator has a device."""

    form_list = (
        (two_factor_views.LoginView.AUTH_STEP, OperatorLoginForm),
        (two_factor_views.LoginView.TOKEN_STEP, AuthenticationTokenForm),
        (two_factor_views.LoginView.BACKUP_STEP, BackupTokenForm),
    )
    CODE_STEPS = (two_factor_views.LoginView.TOKEN_STEP, two_factor_views.LoginView.BACKUP_STEP)

    def post(self, *args, **kwargs) -> HttpResponse:
        step = self._step_to_validate()
        try:
            self._enforce_rate_limits(step)
        except RateLimited as error:
            if step in self.CODE_STEPS:
                self._record_code_failure(LoginFailure.RATE_LIMITED)
            return rate_limited_response(self.request, error)
        return super().post(*args, **kwargs)

    def render(self, form=None, **kwargs) -> HttpResponse:
        # A bound form rendered again is a refused one; on the code steps that is a wrong or
        # throttled code, which the login events keep as the password failures are kept.
        if form is not None and form.is_bound and self.steps.current in self.CODE_STEPS and not form.is_valid():
            self._record_code_failure(LoginFailure.BAD_OTP_TOKEN)
        return super().render(form, **kwargs)

    def _step_to_validate(self) -> str:
        # The step whose form this POST is checked against, decided as formtools' WizardView.post
        # decides it: the posted step once the wizard has begun, the stored one before.
        posted = self.request.POST.get(f"{self.prefix}-current_step", "")
        if posted and self.storage.current_step is not None:
            return posted
        return self.steps.current

    def _enforce_rate_limits(self, step: str) -> None:
        if step not in self.CODE_STEPS:
            enforce_rate_limits(self.request, ("web_login_per_ip", "ip"), ("web_login_per_email", typed_email_rate_key))
            return
        limits = [("admin_otp_per_ip", "ip")]
        user = self.get_user()
        if user:
            # Per account, not per session: starting the login again does not buy new guesses.
            limits.append(("admin_otp_per_user", lambda group, request: str(user.pk)))
        enforce_rate_limits(self.request, *limits)

    def _record_code_failure(self, reason: str) -> None:
        record_login_attempt(request=self.request, user=self.get_user() or None, success=False, failure_reason=reason)


@operators_only
class OperatorSetupView(AdminLookMixin, two_factor_views.SetupView):
    """Enrol a first TOTP device from its QR code, then go on to the backup codes."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # The library refuses only a GET once a device exists. Refusing every method keeps a
        # password-only session from posting its way to a second device, and so past the code step.
        if default_device(request.user) is not None:
            return HttpResponseRedirect(reverse("two_factor:backup_tokens"))
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self) -> str:
        return reverse("two_factor:backup_tokens")

    def get_context_data(self, form, **kwargs) -> dict:
        context = super().get_context_data(form, **kwargs)
        # The library's "Cancel" leads to the seekers' dashboard; an operator who stops here simply leaves.
        context["cancel_url"] = None
        if self.steps.current == "generator":
            # The same issuer and label as the QR code (OperatorQRCodeView), for typing the key by hand.
            context["issuer"] = settings.OTP_TOTP_ISSUER
            context["otpauth_url"] = get_otpauth_url(
                otp_account_label(self.request.user), context["secret_key"], settings.OTP_TOTP_ISSUER, totp_digits()
            )
        return context


@operators_only
class OperatorQRCodeView(two_factor_views.QRGeneratorView):
    """The enrolment QR code as an SVG image, drawn on the server: the page needs no script."""

    def get_issuer(self) -> str:
        return settings.OTP_TOTP_ISSUER

    def get_username(self) -> str:
        return otp_account_label(self.request.user)


@operators_only
class OperatorBackupCodesView(AdminLookMixin, two_factor_views.BackupTokensView):
    """Show or renew the operator's ten single-use backup codes (verified operators only)."""


@confirm_with_reason(
    description="Reset the second factor of the selected operators",
    title="Reset second factor",
    explanation=(
        "Every authenticator and backup code of these operators is removed; each enrols a new device "
        "at their next login. Do this only for an operator whose phone is lost, once you have made sure "
        "it is them asking."
    ),
    describe=lambda queryset: sorted({str(device.user) for device in queryset}),
)
def reset_second_factors(modeladmin, request: HttpRequest, queryset, *, reason: str) -> None:
    operators = {device.user_id: device.user for device in queryset}.values()
    reset = call_for_each(
        modeladmin, request, operators, lambda user: reset_second_factor(user=user, by=request.user, reason=reason)
    )
    if reset:
        modeladmin.message_user(request, f"Second factor reset: {reset} operator(s).", messages.SUCCESS)


class OperatorDeviceAdmin(ReadOnlyAdmin):
    """Operators' authenticator devices: seen here, removed only by the audited reset, never shown or added.

    Replaces django-otp's own device admins (config/admin_apps.py), which let an operator
    add a device with a key of their choosing or delete one without a trace.
    """

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count")
    list_filter = ("confirmed",)
    list_select_related = ("user",)
    fields = list_display
    actions = (reset_second_factors,)


urls = (
    [
        path("2fa/login/", OperatorLoginView.as_view(), name="login"),
        path("2fa/setup/", OperatorSetupView.as_view(), name="setup"),
        path("2fa/qrcode/", OperatorQRCodeView.as_view(), name="qr"),
        path("2fa/backup-codes/", OperatorBackupCodesView.as_view(), name="backup_tokens"),
    ],
    # The library's own code and templates reverse "two_factor:<name>".
    "two_factor",
)
