"""The web UI's account pages: sign up, log in (rate-limited), log out, password reset and change."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from config.errors import RateLimited
from config.ratelimit import enforce_rate_limit, enforce_rate_limits

from . import crypto
from .forms import (
    BlindIndexPasswordResetForm,
    ChangePasswordForm,
    EmailAuthenticationForm,
    ResetPasswordForm,
    SignupForm,
)


def rate_limited_response(request: HttpRequest, error: RateLimited) -> HttpResponse:
    response = render(request, "accounts/rate_limited.html", {"retry_after": error.retry_after}, status=429)
    for header, value in error.headers.items():
        response[header] = value
    return response


def _typed_address_rate_key(field: str):
    """A rate-limit key per typed address, without keeping the address itself in the cache key."""

    def key(group: str, request: HttpRequest) -> str:
        typed = request.POST.get(field, "")
        return crypto.email_blind_index(typed) if typed.strip() else "none"

    return key


login_email_rate_key = _typed_address_rate_key("username")
reset_email_rate_key = _typed_address_rate_key("email")


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        try:
            enforce_rate_limits(request, ("web_login_per_ip", "ip"), ("web_login_per_email", login_email_rate_key))
        except RateLimited as error:
            return rate_limited_response(request, error)
        return super().post(request, *args, **kwargs)


class LogoutView(auth_views.LogoutView):
    template_name = "accounts/logged_out.html"


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        try:
            enforce_rate_limit(request, name="register_per_ip", key="ip")
        except RateLimited as error:
            return rate_limited_response(request, error)
        if form.is_valid():
            try:
                user = form.save()
            except ValidationError:
                pass
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Welcome to Hirewall. Start with your resume."))
                return redirect("resumes:resume")
    return render(request, "accounts/signup.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    form_class = BlindIndexPasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def post(self, request, *args, **kwargs):
        """Rate-limited: each reset mails an address, which must not become a way to flood a seeker's inbox."""
        try:
            enforce_rate_limit(request, name="password_reset_per_ip", key="ip")
        except RateLimited as error:
            return rate_limited_response(request, error)
        try:
            enforce_rate_limit(request, name="password_reset_per_email", key=reset_email_rate_key)
        except RateLimited:
            # The answer every reset gets, known address or not, without another mail.
            return redirect(self.success_url)
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's, with the new password set through accounts.services (tokens ended, audited, the holder told)."""

    form_class = ResetPasswordForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordChangeView(auth_views.PasswordChangeView):
    """The signed-in holder's new password: this session stays, every other one and every API token ends.

    Rate-limited per account: a session left open on a shared computer must not become a way to try
    passwords one after another until the current one is found.
    """

    form_class = ChangePasswordForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("password_change_done")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def post(self, request, *args, **kwargs):
        try:
            enforce_rate_limit(request, name="password_change_per_user", key="user")
        except RateLimited as error:
            return rate_limited_response(request, error)
        return super().post(request, *args, **kwargs)


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
