"""The seekers' misuse report page (/me/access-log/report/<organisation>/), reached from their access log."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from resumes.selectors import leaks as leak_selectors
from resumes.views import seeker_required

from .forms import MisuseReportForm
from .services import misuse_reports


@require_http_methods(["GET", "POST"])
@seeker_required
def report_misuse(request: HttpRequest, organization_id: int) -> HttpResponse:
    revealed = {
        row["organization_id"]: row for row in leak_selectors.revealed_organizations_for_seeker(seeker=request.user)
    }
    organization = revealed.get(organization_id)
    if organization is None:
        raise Http404
    form = MisuseReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            misuse_reports.report_misuse(seeker=request.user, organization_id=organization_id, **form.cleaned_data)
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        except misuse_reports.NotRevealedBy as error:
            raise Http404 from error
        else:
            messages.success(request, _("Thank you: your report was received. Its status is shown in your access log."))
            return redirect("resumes:access_log")
    status = 400 if request.method == "POST" else 200
    return render(request, "detection/report_misuse.html", {"form": form, "organization": organization}, status=status)
