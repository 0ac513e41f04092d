"""Operators' admin for detection: the flag queue, each flag's evidence and verdict, runs, aggregates, the dashboard.

Nothing here is added, changed or deleted by hand: a flag moves only through the Confirm and
Dismiss form views, which call detection.services. No page shows a person's contact data:
recruiters appear by opaque id, seekers only as counts.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from config.admin_lists import DateRangeFilter
from config.admin_tools import LogAdmin, ReadOnlyAdmin
from config.errors import DomainError

from . import charts, reports
from .models import ActivityAggregate, DetectionRun, DetectionState, Flag, FlagStatus, MisuseReport, SubjectType
from .services import confirm_flag, dismiss_flag

VERDICTS = {"confirm": ("Confirm", confirm_flag), "dismiss": ("Dismiss", dismiss_flag)}


def _when(moment) -> str:
    return f"{moment.astimezone(reports.platform_zone()):%Y-%m-%d %H:%M}" if moment else ""


class FlagStatusFilter(admin.SimpleListFilter):
    """The queue opens on the open flags; decided ones are a click away."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*FlagStatus.choices, (self.ALL, "All")]

    def queryset(self, request, queryset):
        value = self.value() or FlagStatus.OPEN
        return queryset if value == self.ALL else queryset.filter(status=value)

    def choices(self, changelist):
        current = self.value() or FlagStatus.OPEN
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class VerdictForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=2000,
        help_text="Kept with the flag and in the audit log. Never write contact details here.",
    )


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "severity",
        "detector",
        "subject",
        "score_shown",
        "window_short",
        "created_at",
        "status",
        "action",
    )
    list_display_links = ("id", "detector")
    list_filter = (FlagStatusFilter, "severity", "detector")
    list_select_related = ("organization", "recruiter")
    actions = ("confirm_selected", "dismiss_selected")
    fieldsets = (
        (None, {"fields": ("detector", "subject", "severity", "score_shown", "window", "created_at", "run")}),
        ("What the platform did", {"fields": ("action_taken", "relay_contacts_revoked")}),
        ("Verdict", {"fields": ("status", "decided_at", "decided_by", "decision_reason")}),
        ("Evidence", {"fields": ("evidence_table", "reveals_chart", "linked_accounts_table", "dedupe_key")}),
    )
    readonly_fields = (
        "detector",
        "subject",
        "severity",
        "score_shown",
        "window",
        "created_at",
        "run",
        "action_taken",
        "relay_contacts_revoked",
        "status",
        "decided_at",
        "decided_by",
        "decision_reason",
        "evidence_table",
        "reveals_chart",
        "linked_accounts_table",
        "dedupe_key",
    )

    def get_ordering(self, request):
        # The most severe first, and within a severity the one waiting longest.
        rank = Case(
            *(When(severity=severity, then=Value(index)) for index, severity in enumerate(reports.SEVERITY_ORDER)),
            default=Value(len(reports.SEVERITY_ORDER)),
            output_field=IntegerField(),
        )
        return (rank.asc(), "created_at")

    # Pages of our own: the verdict forms and the dashboard.

    def get_urls(self):
        return [
            path("dashboard/", self.admin_site.admin_view(self.dashboard_view), name="detection_dashboard"),
            *(
                path(
                    f"<int:flag_id>/{verdict}/",
                    self.admin_site.admin_view(self.verdict_view),
                    {"verdict": verdict},
                    name=f"detection_flag_{verdict}",
                )
                for verdict in VERDICTS
            ),
            *super().get_urls(),
        ]

    def can_decide(self, request: HttpRequest) -> bool:
        """Deciding is Django's change permission on flags, used by the verdict forms alone."""
        return request.user.is_staff and request.user.has_perm("detection.change_flag")

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return self.can_decide(request)

    @admin.action(description="Confirm selected flags (asks for a reason)", permissions=["decide"])
    def confirm_selected(self, request, queryset):
        return self._decide_selected(request, queryset, verdict="confirm")

    @admin.action(description="Dismiss selected flags (asks for a reason)", permissions=["decide"])
    def dismiss_selected(self, request, queryset):
        return self._decide_selected(request, queryset, verdict="dismiss")

    def _decide_selected(self, request: HttpRequest, queryset, *, verdict: str):
        """One reason for several flags; each is decided by the service on its own, refusals reported per flag."""
        title, service = VERDICTS[verdict]
        form = VerdictForm(request.POST if request.POST.get("apply") else None)
        if not form.is_valid():
            return TemplateResponse(
                request,
                "admin/detection/flag/verdict_selected.html",
                {
                    **self.admin_site.each_context(request),
                    "title": f"{title} {queryset.count()} flag(s)",
                    "opts": self.opts,
                    "flags": queryset,
                    "form": form,
                    "action": request.POST.get("action"),
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                    "verdict_title": title,
                },
            )
        decided = 0
        for flag in queryset:
            try:
                service(flag=flag, by=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                self.message_user(request, f"Flag #{flag.pk}: {error.detail} ({error.code})", messages.ERROR)
            except ValidationError as error:
                self.message_user(request, f"Flag #{flag.pk}: {' '.join(error.messages)}", messages.ERROR)
            else:
                decided += 1
        if decided:
            self.message_user(request, f"{title}: {decided} flag(s).", messages.SUCCESS)
        return None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_decide": self.can_decide(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "dashboard_url": reverse("admin:detection_dashboard")}
        return super().changelist_view(request, extra_context)

    def verdict_view(self, request: HttpRequest, flag_id: int, verdict: str) -> HttpResponse:
        """Confirm or dismiss one flag: a reason, then the service; its refusals come back on the form."""
        if verdict not in VERDICTS or not self.can_decide(request):
            raise PermissionDenied
        flag = get_object_or_404(Flag.objects.select_related("organization", "recruiter"), pk=flag_id)
        title, service = VERDICTS[verdict]
        form = VerdictForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                service(flag=flag, by=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                form.add_error(None, f"{error.detail} ({error.code})")
            except ValidationError as error:
                form.add_error(None, " ".join(error.messages))
            else:
                self.message_user(request, f"Flag #{flag.pk} {flag.get_status_display().lower()}.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:detection_flag_change", args=[flag.pk]))
        subjects = reports.flag_subjects(flag)
        reveals = reports.flag_reveals(flag)
        return TemplateResponse(
            request,
            "admin/detection/flag/verdict.html",
            {
                **self.admin_site.each_context(request),
                "title": f"{title} flag #{flag.pk}",
                "opts": self.opts,
                "flag": flag,
                "verdict": verdict,
                "verdict_title": title,
                "form": form,
                "is_open": flag.status == FlagStatus.OPEN,
                "seat_flag": reports.is_seat_flag(flag),
                "organizations": len(subjects.organization_ids),
                "recruiters": len(subjects.recruiter_ids),
                "seekers": reveals.filter(resume__isnull=False, resume__is_canary=False)
                .values("resume__seeker")
                .distinct()
                .count(),
                "reveals": reveals.count(),
                "relays_revoked": flag.revoked_relay_contacts.count(),
                "subject": self.subject(flag),
            },
        )

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        """Reveals per day, top organisations, open flags, recent runs and the audit chain's health."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        per_day = reports.reveals_per_day()
        verify_all = request.method == "POST" and "verify_chain" in request.POST
        return TemplateResponse(
            request,
            "admin/detection/dashboard.html",
            {
                **self.admin_site.each_context(request),
                "title": "Detection dashboard",
                "opts": self.opts,
                "days": reports.DASHBOARD_DAYS,
                "reveals_chart": charts.bar_chart(
                    points=[(f"{day:%m-%d}", count) for day, count in per_day],
                    title=f"Granted reveals per day, last {reports.DASHBOARD_DAYS} days",
                ),
                "reveals_total": sum(count for _, count in per_day),
                "top_organizations": reports.top_organizations_by_reveals(),
                "open_flags": reports.open_flags_by_severity(),
                "runs": reports.recent_runs(),
                "chain": reports.audit_chain_status(verify_all=verify_all),
                "flags_url": reverse("admin:detection_flag_changelist"),
            },
        )

    # Columns and fields

    @admin.display(description="subject")
    def subject(self, flag: Flag) -> str:
        if flag.subject_type == SubjectType.CLUSTER:
            return f"cluster of {len(flag.cluster_members or [])} linked accounts"
        if flag.subject_type == SubjectType.RECRUITER:
            where = f" in organisation #{flag.organization_id}" if flag.organization_id else ""
            return f"recruiter {flag.recruiter_id}{where}"
        return str(flag.organization) if flag.organization_id else "organisation (deleted)"

    @admin.display(description="score", ordering="score")
    def score_shown(self, flag: Flag) -> str:
        return f"{flag.score:.2f}"

    @admin.display(description="window")
    def window(self, flag: Flag) -> str:
        return f"{_when(flag.window_start)} to {_when(flag.window_end)} ({reports.platform_zone().key})"

    @admin.display(description="window (platform time)")
    def window_short(self, flag: Flag) -> str:
        zone = reports.platform_zone()
        return f"{flag.window_start.astimezone(zone):%m-%d %H:%M} to {flag.window_end.astimezone(zone):%m-%d %H:%M}"

    @admin.display(description="platform action", ordering="action_taken")
    def action(self, flag: Flag) -> str:
        return flag.get_action_taken_display()

    @admin.display(description="evidence")
    def evidence_table(self, flag: Flag) -> str:
        return _table(flag.evidence) if flag.evidence else "No evidence recorded."

    @admin.display(description="reveals per hour")
    def reveals_chart(self, flag: Flag) -> str:
        zone = reports.platform_zone()
        per_hour = reports.flag_reveals_per_hour(flag)
        return format_html(
            "{}<p>{} granted reveal(s) by the subject in the hours shown ({}).</p>",
            charts.bar_chart(
                points=[(f"{hour.astimezone(zone):%m-%d %H:00}", count) for hour, count in per_hour],
                title=f"Reveals per hour by the flag's subject, {len(per_hour)} hour(s)",
            ),
            sum(count for _, count in per_hour),
            zone.key,
        )

    @admin.display(description="linked accounts")
    def linked_accounts_table(self, flag: Flag) -> str:
        accounts = reports.linked_accounts(flag)
        if not accounts:
            return "None."
        return format_html(
            "<table><thead><tr><th>kind</th><th>id</th><th>account</th><th>status</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((account.kind, account.id, account.label, account.status) for account in accounts),
            ),
        )


def _cell(value) -> str:
    if isinstance(value, dict):
        return _table(value)
    if isinstance(value, list):
        if all(isinstance(item, dict) for item in value) and value:
            return format_html_join("", "{}", ((_table(item),) for item in value))
        return ", ".join(_cell(item) for item in value) or "—"
    if isinstance(value, float):
        return f"{value:.3g}"
    return "—" if value is None else str(value)


def _table(evidence: dict) -> str:
    """A detector's evidence as rows of name and value; nested values become nested tables."""
    return format_html(
        "<table><tbody>{}</tbody></table>",
        format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td></tr>",
            ((str(name).replace("_", " "), _cell(value)) for name, value in evidence.items()),
        ),
    )


@admin.register(DetectionRun)
class DetectionRunAdmin(LogAdmin):
    list_display = (
        "started_at",
        "finished_at",
        "window_start",
        "window_end",
        "events_read",
        "flags_raised",
        "duration_ms",
    )
    list_filter = (("started_at", DateRangeFilter),)


@admin.register(ActivityAggregate)
class ActivityAggregateAdmin(LogAdmin):
    list_display = (
        "subject_type", "subject_id", "granularity", "bucket_start", "reveals", "charged_reveals", "denied_reveals",
        "quota_denials", "night_reveals", "searches", "views",
    )  # fmt: skip
    # No date filter: no index leads with the bucket's start, so a past range would read every newer bucket.
    # An operator finds a subject's buckets by its id.
    list_filter = ("subject_type", "granularity")
    ordering = ("-id",)
    search_fields = ("subject_id",)
    search_help_text = "The exact recruiter id or organisation id."

    def get_search_results(self, request, queryset, search_term):
        # Exact and with its subject type, so that the aggregates' unique index serves it: Django's
        # "=subject_id" compares UPPER() of both sides, which no index holds.
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(subject_type__in=SubjectType.values, subject_id=term), False


@admin.register(DetectionState)
class DetectionStateAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "last_audit_seq", "last_activity_id", "last_login_id", "last_run_at")


@admin.register(MisuseReport)
class MisuseReportAdmin(ReadOnlyAdmin):
    """Seekers' reports, by opaque seeker id: the misuse_reports flags cite them by id."""

    list_display = ("id", "created_at", "organization", "seeker_id", "reason", "status", "relay_revoked", "flag")
    search_fields = ("=organization__uscc", "=id")
    search_help_text = "The exact organisation USCC or report id."
    fields = ("id", "created_at", "organization", "seeker_id", "reason", "text", "relay_revoked", "status", "flag")
    list_filter = ("status", "reason", ("created_at", DateRangeFilter))


# Leak tracing's pages live in their own module; importing it registers them.
from . import leak_admin  # noqa: E402, F401
