"""Web forms for seekers' accounts: sign up, log in by email, password reset through the blind index, new passwords."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from . import crypto, services
from .models import Role, User
from .request_info import client_ip, user_agent

# accounts.services speaks English; the form shows the seeker's language.
_SERVICE_MESSAGES = {
    services.EMAIL_TAKEN_MESSAGE: _("An account with this email address already exists."),
    "A full name is required.": _("A full name is required."),
}


class SignupForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=services.FULL_NAME_MAX_LENGTH)
    email = forms.EmailField(label=_("Email"), max_length=services.EMAIL_MAX_LENGTH)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password2") and cleaned["password1"] != cleaned["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return cleaned

    def save(self) -> User:
        """Register a seeker; the service's validation errors land on the form's fields."""
        try:
            return services.register_user(
                email=self.cleaned_data["email"],
                password=self.cleaned_data["password1"],
                full_name=self.cleaned_data["full_name"],
                role=Role.SEEKER,
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                target = "password1" if field == "password" else field
                for message in messages:
                    self.add_error(target if target in self.fields else None, _SERVICE_MESSAGES.get(message, message))
            raise


def size_username_for_an_address(form: AuthenticationForm) -> None:
    # Django sizes the field after USERNAME_FIELD, which here is the 64-character blind index.
    form.fields["username"].max_length = services.EMAIL_MAX_LENGTH
    form.fields["username"].widget.attrs["maxlength"] = services.EMAIL_MAX_LENGTH
    form.fields["username"].widget.attrs["autocomplete"] = "email"


class OperatorLoginForm(AdminAuthenticationForm):
    """The admin's login form, taking a whole email address."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        size_username_for_an_address(self)


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form, labelled for an email address (the backend finds users by its blind index)."""

    username = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True}))

    error_messages = {
        "invalid_login": _("The email address or password is not correct."),
        "inactive": _("This account is inactive."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        size_username_for_an_address(self)


class BlindIndexPasswordResetForm(PasswordResetForm):
    """Find the account by the blind index of the address typed; mail the decrypted address.

    The address is decrypted only to send the seeker their own reset link.
    Django's save() reads the address from a plain `email` attribute, which this
    model does not have (and setting one would change the token's hash between
    issuing and checking), so save() is Django's with that one read replaced.
    """

    def get_users(self, email):
        user = User.objects.filter(email_blind_index=crypto.email_blind_index(email), is_active=True).first()
        if user is None or not user.has_usable_password():
            return []
        return [user]

    def save(
        self,
        domain_override=None,
        subject_template_name="registration/password_reset_subject.txt",
        email_template_name="registration/password_reset_email.html",
        use_https=False,
        token_generator=default_token_generator,
        from_email=None,
        request=None,
        html_email_template_name=None,
        extra_email_context=None,
    ):
        if domain_override:
            site_name = domain = domain_override
        else:
            current_site = get_current_site(request)
            site_name, domain = current_site.name, current_site.domain
        for user in self.get_users(self.cleaned_data["email"]):
            context = {
                "domain": domain,
                "site_name": site_name,
                "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                "user": user,
                "token": token_generator.make_token(user),
                "protocol": "https" if use_https else "http",
                **(extra_email_context or {}),
            }
            self.send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                user.decrypt_email(),
                html_email_template_name=html_email_template_name,
            )


class _NewPasswordThroughTheService:
    """Django's new-password forms, saved by accounts.services.set_new_password instead of on their own.

    The view passes `request` (for the audit event's address and browser).
    """

    through_reset_link: bool

    def __init__(self, user, *args, request, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def save(self, commit=True):
        services.set_new_password(
            user=self.user,
            password=self.cleaned_data["new_password1"],
            through_reset_link=self.through_reset_link,
            ip=client_ip(self.request),
            user_agent=user_agent(self.request),
        )
        return self.user


class ChangePasswordForm(_NewPasswordThroughTheService, PasswordChangeForm):
    """The holder, signed in, gives the current password and a new one twice."""

    through_reset_link = False


class ResetPasswordForm(_NewPasswordThroughTheService, SetPasswordForm):
    """A new password twice, through the e-mailed reset link."""

    through_reset_link = True
