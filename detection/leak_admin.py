"""Operators' admin for leak tracing: upload a leaked list, read the ranking, open a flag on an organisation.

The list is read in memory (never a temporary file on disk) and only its counts and
matches are stored; the pages show organisations by name, recruiters by opaque id
and seekers only as counts.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from config.errors import DomainError
from employers.models import Organization

from . import charts
from .leaks import trace_report
from .models import LeakTrace
from .services import open_leak_flag, trace_leaked_list

KIND_LABELS = {"phone": "phones", "email": "emails", "alias": "relay aliases and extensions", "name": "names"}
# Bars in the report's chart: the organisations an operator would look at first.
CHART_ORGANIZATIONS = 20
# What a multipart body adds around the file itself (boundaries, headers, the CSRF token).
MULTIPART_OVERHEAD = 64 * 1024


class InMemoryListUploadHandler(MemoryFileUploadHandler):
    """Keeps an uploaded list in memory up to the trace's size limit: a leaked list never lands in a temp file."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.activated = content_length <= settings.LEAK_TRACE["max_file_bytes"] + MULTIPART_OVERHEAD


class UploadForm(forms.Form):
    leaked_list = forms.FileField(
        label="Leaked list",
        help_text="CSV or one value per line: names, phones, emails or relay aliases. "
        "Only counts and matches are kept.",
    )


class OpenFlagForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label="Organisation")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        max_length=2000,
        help_text="Kept with the flag and in the audit log. Never write contact details here.",
    )

    def __init__(self, *args, trace: LeakTrace, **kwargs):
        super().__init__(*args, **kwargs)
        ranked = trace.rows.filter(recruiter__isnull=True, organization__isnull=False).values("organization_id")
        self.fields["organization"].queryset = Organization.objects.filter(pk__in=ranked).order_by("legal_name")


@admin.register(LeakTrace)
class LeakTraceAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "uploaded_by", "lines", "malformed_lines", "matched_seekers", "population")
    list_display_links = ("id", "created_at")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return request.user.is_staff and request.user.has_perm("detection.add_leaktrace")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def can_open_flag(self, request: HttpRequest) -> bool:
        """Opening a flag acts at once: it takes the same permission as deciding one."""
        return request.user.is_staff and request.user.has_perm("detection.change_flag")

    def get_urls(self):
        upload = csrf_exempt(self.upload_view)  # the view sets its upload handler, then checks the token itself
        return [
            path("upload/", self.admin_site.admin_view(upload), name="detection_leaktrace_upload"),
            path(
                "<int:trace_id>/open-flag/",
                self.admin_site.admin_view(self.open_flag_view),
                name="detection_leaktrace_open_flag",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:detection_leaktrace_upload"))

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        # Before anything reads the body: the upload handler decides where the file goes.
        request.upload_handlers = [InMemoryListUploadHandler(request)]
        return self._upload(request)

    @method_decorator(csrf_protect)
    def _upload(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and int(request.META.get("CONTENT_LENGTH") or 0) > (
            settings.LEAK_TRACE["max_file_bytes"] + MULTIPART_OVERHEAD
        ):
            form.add_error(None, "The list is larger than a trace reads at once; split it.")
        elif request.method == "POST" and form.is_valid():
            try:
                trace = trace_leaked_list(content=form.cleaned_data["leaked_list"].read(), by=request.user)
            except DomainError as error:
                form.add_error(None, f"{error.detail} ({error.code})")
            else:
                self.message_user(request, f"Leak trace #{trace.pk} stored.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:detection_leaktrace_change", args=[trace.pk]))
        return TemplateResponse(
            request,
            "admin/detection/trace_upload.html",
            {
                **self.admin_site.each_context(request),
                "title": "Trace a leaked list",
                "opts": self.opts,
                "form": form,
                "max_megabytes": settings.LEAK_TRACE["max_file_bytes"] // (1024 * 1024),
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A trace's report: counts, the ranking as a chart and a table, and the form that opens a flag."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        trace = get_object_or_404(LeakTrace, pk=object_id)
        return self._report(request, trace, OpenFlagForm(trace=trace))

    def _report(self, request: HttpRequest, trace: LeakTrace, flag_form: OpenFlagForm) -> HttpResponse:
        report = trace_report(trace)
        organizations = [row for row in report["rows"] if row["recruiter_id"] is None]
        return TemplateResponse(
            request,
            "admin/detection/trace_report.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Leak trace #{trace.pk}",
                "opts": self.opts,
                "trace": trace,
                "report": report,
                "kinds": [(KIND_LABELS[kind], counts) for kind, counts in report["by_kind"].items()],
                "chart": charts.bar_chart(
                    points=[(row["organization"][:24], row["matched"]) for row in organizations[:CHART_ORGANIZATIONS]],
                    title="Matched seekers each organisation obtained",
                ),
                "flag_form": flag_form if self.can_open_flag(request) else None,
                "open_flag_url": reverse("admin:detection_leaktrace_open_flag", args=[trace.pk]),
                "traces_url": reverse("admin:detection_leaktrace_changelist"),
            },
        )

    def open_flag_view(self, request: HttpRequest, trace_id: int) -> HttpResponse:
        if request.method != "POST" or not self.can_open_flag(request):
            raise PermissionDenied
        trace = get_object_or_404(LeakTrace, pk=trace_id)
        form = OpenFlagForm(request.POST, trace=trace)
        if form.is_valid():
            try:
                flag = open_leak_flag(
                    trace=trace,
                    organization=form.cleaned_data["organization"],
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                form.add_error(None, f"{error.detail} ({error.code})")
            except ValidationError as error:
                form.add_error(None, " ".join(error.messages))
            else:
                self.message_user(
                    request,
                    f"Flag #{flag.pk} opened ({flag.get_action_taken_display().lower()}).",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:detection_flag_change", args=[flag.pk]))
        return self._report(request, trace, form)
