"""Admin building blocks every app shares: the read-only model admin and the action confirmed with a reason."""

import functools
from collections.abc import Callable, Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from config.admin_lists import BoundedListAdmin, LogChangeList
from config.errors import DomainError

CONFIRM_WITH_REASON_TEMPLATE = "admin/confirm_with_reason.html"
REASON_MAX_LENGTH = 2000


class ReadOnlyAdmin(BoundedListAdmin):
    """Operators look; nobody adds, changes or deletes these rows here, not even a superuser.

    These are the logs and the records that grow with the platform: their lists never read the whole table.
    """

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class LogAdmin(ReadOnlyAdmin):
    """A log: newest first in the order of an index, filtered by its filters only, never sorted by a column."""

    sortable_by = ()

    def get_changelist(self, request, **kwargs):
        return LogChangeList


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}), max_length=REASON_MAX_LENGTH, required=True
    )


class OptionalReasonForm(ReasonForm):
    reason = forms.CharField(
        label="Note (optional)",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=REASON_MAX_LENGTH,
        required=False,
    )


def confirm_with_reason(
    *,
    description: str,
    title: str,
    explanation: str,
    describe: Callable[[QuerySet], Iterable[str]] = lambda queryset: (str(row) for row in queryset),
    submit: str = "",
    reason_required: bool = True,
):
    """Turn `function(modeladmin, request, queryset, *, reason)` into an admin action asked for a reason first.

    The first click shows a page listing what the action will touch (`describe`,
    one line each) with a reason field, required unless `reason_required` is False (then
    an optional note: the page is a confirmation); only the second click runs `function`.
    The reason goes to the services and from them into the audit log, so the page says
    never to write contact details in it.
    """
    form_class = ReasonForm if reason_required else OptionalReasonForm

    def decorator(function):
        @functools.wraps(function)
        def action(modeladmin, request: HttpRequest, queryset: QuerySet):
            form = form_class(request.POST if request.POST.get("apply") else None)
            if form.is_valid():
                return function(modeladmin, request, queryset, reason=form.cleaned_data["reason"])
            return TemplateResponse(
                request,
                CONFIRM_WITH_REASON_TEMPLATE,
                {
                    **modeladmin.admin_site.each_context(request),
                    "title": title,
                    "explanation": explanation,
                    "lines": list(describe(queryset)),
                    "opts": modeladmin.model._meta,
                    "selected": queryset.values_list("pk", flat=True),
                    "form": form,
                    "action": request.POST.get("action"),
                    "action_checkbox_name": ACTION_CHECKBOX_NAME,
                    "submit": submit or title,
                },
            )

        return admin.action(description=description)(action)

    return decorator


def call_for_each(modeladmin, request: HttpRequest, rows: Iterable[Model], call: Callable[[Model], object]) -> int:
    """Call a service once per row; a refusal is shown against its row and the others still run.

    Returns how many calls succeeded.
    """
    succeeded = 0
    for row in rows:
        try:
            call(row)
        except DomainError as error:
            modeladmin.message_user(request, f"#{row.pk}: {error.detail}", messages.ERROR)
        except ValidationError as error:
            modeladmin.message_user(request, f"#{row.pk}: {' '.join(error.messages)}", messages.ERROR)
        else:
            succeeded += 1
    return succeeded
