"""Operators' admin for accounts: users, login events, API tokens.

Lists never show a name or an address; a user is found by typing the address.
Activity changes only through services.set_user_active, with a reason; an account
created here is audited with its reason; none is deleted here; API tokens are
revoked here, never added.
"""

import contextlib
import ipaddress

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Q
from knox.admin import AuthTokenAdmin as KnoxAuthTokenAdmin
from knox.models import AuthToken

from config.admin_lists import DateRangeFilter, declared_choices_filter
from config.admin_tools import REASON_MAX_LENGTH, LogAdmin, call_for_each, confirm_with_reason

from . import crypto, services
from .models import LoginEvent, LoginFailure, User

admin.site.unregister(Group)
admin.site.unregister(AuthToken)


class UserCreationForm(forms.ModelForm):
    email = forms.EmailField()
    full_name = forms.CharField(max_length=services.FULL_NAME_MAX_LENGTH)
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        max_length=REASON_MAX_LENGTH,
        help_text="Why this account is created here (an operator account has every admin permission); kept in the "
        "audit log. Never contact details.",
    )

    class Meta:
        model = User
        fields = ("role",)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            services.validate_new_account(
                email=cleaned["email"], password=cleaned["password"], full_name=cleaned["full_name"]
            )
            cleaned["reason"] = services.clean_reason(cleaned["reason"])
        except services.ReasonRequired as error:
            self.add_error("reason", str(error.detail))
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned

    def save(self, commit: bool = True) -> User:
        # The admin's save_model calls services.register_user; nothing is written here.
        # The admin calls save_m2m() after save_model: a user is created with no groups or permissions.
        self.save_m2m = lambda: None
        return self.instance


class UserChangeForm(forms.ModelForm):
    """Only activity changes here, through services.set_user_active, which needs the reason it audits."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        max_length=REASON_MAX_LENGTH,
        required=False,
        help_text="Why the account is activated or deactivated; kept in the audit log. Never contact details.",
    )

    class Meta:
        model = User
        fields = ("is_active",)

    def clean(self):
        cleaned = super().clean()
        if "is_active" in self.changed_data:
            try:
                cleaned["reason"] = services.clean_reason(cleaned.get("reason", ""))
            except services.ReasonRequired as error:
                self.add_error("reason", str(error.detail))
            except ValidationError as error:
                self.add_error("reason", error.message_dict["reason"])
        return cleaned


def _set_active_action(*, active: bool, title: str):
    def apply(modeladmin, request, queryset, *, reason: str):
        changed = call_for_each(
            modeladmin,
            request,
            queryset,
            lambda user: services.set_user_active(user=user, active=active, by=request.user, reason=reason),
        )
        if changed:
            modeladmin.message_user(request, f"{title}: {changed} account(s).", messages.SUCCESS)

    apply.__name__ = "activate_users" if active else "deactivate_users"
    return confirm_with_reason(
        description=f"{title} selected accounts",
        title=title,
        explanation=(
            "These accounts can log in again."
            if active
            else "These accounts can no longer log in anywhere, and their API tokens stop working."
        ),
        # By role and short id: the page never shows a name or an address.
        describe=lambda queryset: (f"{user} ({'active' if user.is_active else 'inactive'})" for user in queryset),
    )(apply)


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("short_id", "role", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("email_blind_index",)
    search_help_text = "Type a full email address: users are found by the keyed index of the exact address."
    ordering = ("-date_joined",)
    form = UserChangeForm
    # A role is chosen at creation (operators are staff); afterwards only activity changes here, with a reason.
    readonly_fields = ("id", "role", "is_staff", "date_joined", "last_login")
    fields = ("id", "role", "is_active", "reason", "is_staff", "date_joined", "last_login")
    actions = (
        _set_active_action(active=False, title="Deactivate"),
        _set_active_action(active=True, title="Activate"),
    )
    show_full_result_count = False

    @admin.display(description="user")
    def short_id(self, user: User) -> str:
        return str(user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = UserCreationForm
            kwargs["fields"] = ("role",)
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("email", "full_name", "role", "password", "reason")
        return self.fields

    def has_delete_permission(self, request, obj=None) -> bool:
        # An account is closed through its services, each audited: the seeker's own deletion, or deactivation here.
        return False

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            if "is_active" in form.changed_data:
                services.set_user_active(
                    user=obj, active=form.cleaned_data["is_active"], by=request.user, reason=form.cleaned_data["reason"]
                )
            return
        created = services.create_account_by_operator(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
            full_name=form.cleaned_data["full_name"],
            role=form.cleaned_data["role"],
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
        form.instance = created
        obj.pk = created.pk
        obj.__dict__.update(created.__dict__)

    def get_search_results(self, request, queryset, search_term):
        # Only an exact address matches; the table holds no plaintext to search.
        search_term = search_term.strip()
        if not search_term:
            return queryset, False
        return queryset.filter(email_blind_index=crypto.email_blind_index(search_term)), False


@admin.register(LoginEvent)
class LoginEventAdmin(LogAdmin):
    list_display = ("created_at", "user", "success", "failure_reason", "channel", "ip", "device_id")
    list_filter = (
        "success",
        "channel",
        ("failure_reason", declared_choices_filter(LoginFailure.choices)),
        ("created_at", DateRangeFilter),
    )
    search_fields = ("ip", "device_id")
    search_help_text = "Exact IP address or device id."
    list_select_related = ("user",)

    def get_search_results(self, request, queryset, search_term):
        # Exact and typed, so that the indexes on both serve it: a substring search reads every login.
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = Q(device_id=term)
        with contextlib.suppress(ValueError):
            condition |= Q(ip=str(ipaddress.ip_address(term)))
        return queryset.filter(condition), False


@admin.register(AuthToken)
class AuthTokenAdmin(KnoxAuthTokenAdmin):
    """Operators see and revoke (delete) API tokens; only a recruiter's login issues one.

    knox's "Add auth token" made tokens with no expiry for any user, outside the
    login that records the attempt.
    """

    search_fields = ("user__email_blind_index",)
    search_help_text = "Type the owner's full email address."
    list_select_related = ("user",)
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        # The owner's exact address, through its keyed index, as on the users' list.
        search_term = search_term.strip()
        if not search_term:
            return queryset, False
        return queryset.filter(user__email_blind_index=crypto.email_blind_index(search_term)), False
