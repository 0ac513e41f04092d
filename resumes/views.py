"""The seekers' web pages under /me/ and the job board; each page reads only the seeker's own data."""

import json
from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role
from accounts.request_info import client_ip, user_agent
from employers import errors as employer_errors
from employers.selectors import list_open_jobs_for_seekers

from . import services
from .forms import (
    ContactDetailsForm,
    DeleteAccountForm,
    EducationFormSet,
    ExperienceFormSet,
    JobFilterForm,
    OrganizationSearchForm,
    PrivacyForm,
    ResumeForm,
    kept_entries,
)
from .models import Resume
from .selectors import seekers as seeker_selectors

JOBS_PER_PAGE = 20


def seeker_required(view):
    """Logged in and a seeker; recruiters and operators get a 403 page that says where they belong."""

    @wraps(view)
    @never_cache  # these pages hold the seeker's own data: no shared or browser cache keeps them
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.role != Role.SEEKER:
            return render(request, "resumes/not_for_this_role.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def button_action(back_to: str, *, keep: tuple[str, ...] = ()):
    """POST only, as require_POST, but a GET goes back to the page the button is on instead of a blank 405.

    A GET reaches an action when a seeker logged out (or whose session ended) presses its button: the login
    page sends them back to the action's URL by GET. Nothing is done then; the page says so. `keep` names
    the URL arguments that `back_to` takes too.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                messages.info(request, _("Nothing was done: press the button again to do it."))
                return redirect(back_to, **{name: kwargs[name] for name in keep})
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _resume_of(request: HttpRequest) -> Resume | None:
    return seeker_selectors.get_own_resume(seeker=request.user)


def _needs_resume(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("Write your resume first."))
    return redirect("resumes:resume")


def _form_errors_from(error: ValidationError, form) -> None:
    """Put a service's validation errors on the form: on the field it names, or on the form itself."""
    if hasattr(error, "error_dict"):
        for field, field_messages in error.message_dict.items():
            for message in field_messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


# Dashboard and resume


@require_GET
@seeker_required
def dashboard(request: HttpRequest) -> HttpResponse:
    dashboard = seeker_selectors.get_dashboard(seeker=request.user)
    return render(request, "resumes/dashboard.html", vars(dashboard))


@require_http_methods(["GET", "POST"])
@seeker_required
def resume_editor(request: HttpRequest) -> HttpResponse:
    resume = _resume_of(request)
    # An unsaved resume with no primary key gives the formsets an empty queryset.
    formset_instance = resume if resume is not None else Resume(id=None, seeker=request.user)
    if request.method == "POST":
        form = ResumeForm(request.POST)
        experience = ExperienceFormSet(request.POST, instance=formset_instance, prefix="experience")
        education = EducationFormSet(request.POST, instance=formset_instance, prefix="education")
        if form.is_valid() and experience.is_valid() and education.is_valid():
            try:
                services.save_resume(
                    seeker=request.user,
                    headline=form.cleaned_data["headline"],
                    summary=form.cleaned_data["summary"],
                    skills=form.cleaned_data["skills"],
                    city=form.cleaned_data["city"],
                    category=form.cleaned_data["category"],
                    years_experience=form.cleaned_data["years_experience"],
                    experience=[
                        services.ExperienceInput(
                            title=entry["title"],
                            industry=entry.get("industry", ""),
                            employer_name=entry.get("employer_name", ""),
                            start=entry["start"],
                            end=entry.get("end"),
                        )
                        for entry in kept_entries(experience)
                    ],
                    education=[
                        services.EducationInput(
                            degree=entry["degree"],
                            field=entry.get("field", ""),
                            start_year=entry["start_year"],
                            end_year=entry.get("end_year"),
                        )
                        for entry in kept_entries(education)
                    ],
                )
            except ValidationError as error:
                _form_errors_from(error, form)
            else:
                messages.success(request, _("Your resume is saved."))
                return redirect("resumes:resume")
    else:
        form = ResumeForm(initial=ResumeForm.initial_for(resume))
        experience = ExperienceFormSet(instance=formset_instance, prefix="experience")
        education = EducationFormSet(instance=formset_instance, prefix="education")
    return render(
        request,
        "resumes/resume_form.html",
        {"form": form, "experience": experience, "education": education, "resume": resume},
    )


@require_http_methods(["GET", "POST"])
@seeker_required
def contact_details(request: HttpRequest) -> HttpResponse:
    resume = _resume_of(request)
    if resume is None:
        return _needs_resume(request)
    if request.method == "POST":
        form = ContactDetailsForm(request.POST, request.FILES)
        if form.is_valid():
            details = dict(form.cleaned_data)
            try:
                services.save_contact_page(
                    seeker=request.user,
                    photo=details.pop("photo"),
                    remove_current_photo=details.pop("remove_photo"),
                    **details,
                )
            except ValidationError as error:
                _form_errors_from(error, form)
            else:
                messages.success(request, _("Your contact details are saved, encrypted."))
                return redirect("resumes:contact")
    else:
        # The seeker's own page: the one place their details are shown to them.
        details = resume.decrypt_contact_details()
        form = ContactDetailsForm(
            initial={
                "full_name": details.full_name or request.user.decrypt_full_name(),
                "phone": details.phone,
                "email": details.email or request.user.decrypt_email(),
                "birth_date": date.fromisoformat(details.birth_date) if details.birth_date else None,
                "address": details.address,
            }
        )
    return render(request, "resumes/contact_form.html", {"form": form, "has_photo": bool(resume.photo_ciphertext)})


@require_GET
@seeker_required
def contact_photo(request: HttpRequest) -> HttpResponse:
    """The seeker's own photo, decrypted for them alone; there is no URL to anyone else's."""
    resume = _resume_of(request)
    photo = resume.decrypt_photo() if resume is not None else None
    if photo is None:
        raise Http404
    response = HttpResponse(photo, content_type=resume.photo_content_type)
    response["Content-Disposition"] = 'inline; filename="photo"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Privacy


@require_http_methods(["GET", "POST"])
@seeker_required
def privacy(request: HttpRequest) -> HttpResponse:
    resume = _resume_of(request)
    if resume is None:
        return _needs_resume(request)
    if request.method == "POST":
        form = PrivacyForm(request.POST)
        if form.is_valid():
            services.update_privacy(seeker=request.user, **form.cleaned_data)
            messages.success(request, _("Your privacy settings are saved."))
            return redirect("resumes:privacy")
    else:
        form = PrivacyForm(initial={"visibility": resume.visibility, "relay_preference": resume.relay_preference})

    blocks = seeker_selectors.list_blocked_organizations(resume=resume)
    search = OrganizationSearchForm(request.GET or None)
    results = None
    if search.is_valid():
        results = seeker_selectors.search_organizations_to_block(resume=resume, query=search.cleaned_data["q"])
    grants = seeker_selectors.list_direct_contact_grants(resume=resume)
    return render(
        request,
        "resumes/privacy.html",
        {"form": form, "blocks": blocks, "search": search, "results": results, "grants": grants},
    )


@button_action("resumes:privacy")
@seeker_required
def block(request: HttpRequest) -> HttpResponse:
    try:
        organization_id = int(request.POST.get("organization_id", ""))
        services.block_organization(seeker=request.user, organization_id=organization_id)
    except (ValueError, services.NotFound):
        messages.error(request, _("This organisation was not found."))
    except services.ResumeMissing:
        return _needs_resume(request)
    else:
        messages.success(
            request,
            _(
                "The organisation is blocked: it will never see your resume, "
                "and its mail and calls through your relay contact stop reaching you."
            ),
        )
    return redirect("resumes:privacy")


@button_action("resumes:privacy")
@seeker_required
def unblock(request: HttpRequest, organization_id: int) -> HttpResponse:
    try:
        unblocked = services.unblock_organization(seeker=request.user, organization_id=organization_id)
    except services.ResumeMissing:
        return _needs_resume(request)
    if unblocked:
        messages.success(request, _("The organisation is no longer blocked."))
    else:
        messages.info(request, _("This organisation was not blocked: nothing changed."))
    return redirect("resumes:privacy")


@require_http_methods(["GET", "POST"])
@seeker_required
def revoke_direct_contact(request: HttpRequest, organization_id: int) -> HttpResponse:
    """GET asks for confirmation and says what it means; POST revokes."""
    if request.method == "GET":
        grant = seeker_selectors.get_direct_contact_grant(seeker=request.user, organization_id=organization_id)
        if grant is None:
            raise Http404
        return render(request, "resumes/confirm_revoke_direct.html", {"grant": grant})
    try:
        revoked = services.revoke_direct_contact(seeker=request.user, organization_id=organization_id)
    except services.ResumeMissing:
        return _needs_resume(request)
    if revoked:
        messages.success(request, _("This organisation will receive a relay contact from now on."))
    else:
        messages.info(request, _("This organisation did not have your direct contact: nothing changed."))
    return redirect("resumes:privacy")


# Jobs


@require_GET
def jobs(request: HttpRequest) -> HttpResponse:
    """Open jobs of verified organisations; anyone may look, seekers apply."""
    filters = JobFilterForm(request.GET or None)
    category = city = None
    if filters.is_valid():
        category = filters.cleaned_data["category"] or None
        city = filters.cleaned_data["city"].strip() or None
    page = Paginator(list_open_jobs_for_seekers(category=category, city=city), JOBS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    applied: set[int] = set()
    if request.user.is_authenticated and request.user.role == Role.SEEKER:
        applied = seeker_selectors.applied_job_ids(seeker=request.user, jobs=list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "resumes/jobs.html",
        {"filters": filters, "page": page, "applied": applied, "query": query.urlencode()},
    )


@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(list_open_jobs_for_seekers(), pk=job_id)
    has_applied = (
        request.user.is_authenticated
        and request.user.role == Role.SEEKER
        and seeker_selectors.has_applied(seeker=request.user, job=job)
    )
    return render(request, "resumes/job_detail.html", {"job": job, "has_applied": has_applied})


@button_action("resumes:job", keep=("job_id",))
@seeker_required
def apply(request: HttpRequest, job_id: int) -> HttpResponse:
    job = seeker_selectors.find_job(job_id=job_id)
    if job is None:
        raise Http404
    try:
        services.apply_with_resume(seeker=request.user, job=job)
    except services.ResumeMissing:
        return _needs_resume(request)
    except employer_errors.AlreadyApplied:
        messages.info(request, _("You have already applied to this job."))
    except employer_errors.JobUnavailable:
        messages.error(request, _("This job is no longer open."))
        return redirect("resumes:jobs")
    else:
        messages.success(
            request,
            _("You applied. The organisation can now see your resume and receive your contact details for this job."),
        )
    return redirect("resumes:job", job_id=job.pk)


@require_GET
@seeker_required
def applications(request: HttpRequest) -> HttpResponse:
    items = seeker_selectors.list_own_applications(seeker=request.user)
    return render(request, "resumes/applications.html", {"applications": items})


# Access log, requests, relays, notifications


@require_GET
@seeker_required
def access_log(request: HttpRequest) -> HttpResponse:
    log = seeker_selectors.get_access_log(seeker=request.user)
    return render(
        request,
        "resumes/access_log.html",
        {"resume": log.resume, "reveals": log.reveals, "contact_requests": log.contact_requests},
    )


@require_GET
@seeker_required
def contact_requests(request: HttpRequest) -> HttpResponse:
    requests = seeker_selectors.get_contact_requests(seeker=request.user)
    return render(
        request,
        "resumes/contact_requests.html",
        {"open_requests": requests.open_requests, "answered": requests.answered},
    )


def _decide(request: HttpRequest, request_id: int, decide, done_message: str) -> HttpResponse:
    try:
        decide(seeker=request.user, request_id=request_id)
    except (services.NotFound, services.ResumeMissing) as error:
        raise Http404 from error
    except services.ContactRequestClosed:
        messages.error(request, _("This request has already been answered or has expired."))
    except services.OrganizationBlockedBySeeker:
        messages.error(request, _("You have blocked this organisation: unblock it before you approve its request."))
    else:
        messages.success(request, done_message)
    return redirect("resumes:requests")


@button_action("resumes:requests")
@seeker_required
def approve_request(request: HttpRequest, request_id: int) -> HttpResponse:
    return _decide(
        request,
        request_id,
        services.approve_contact_request,
        _(
            "Approved: the organisation may now receive your contact for any of its jobs. "
            "To stop it, block the organisation."
        ),
    )


@button_action("resumes:requests")
@seeker_required
def decline_request(request: HttpRequest, request_id: int) -> HttpResponse:
    return _decide(request, request_id, services.decline_contact_request, _("Declined."))


@require_GET
@seeker_required
def relay_contacts(request: HttpRequest) -> HttpResponse:
    relays = seeker_selectors.list_relay_contacts(seeker=request.user)
    return render(request, "resumes/relay_contacts.html", {"relays": relays})


@require_http_methods(["GET", "POST"])
@seeker_required
def revoke_relay(request: HttpRequest, relay_id: int) -> HttpResponse:
    """GET asks for confirmation and says what revoking means; POST revokes."""
    if request.method == "GET":
        relay = seeker_selectors.get_relay_contact(seeker=request.user, relay_id=relay_id)
        if relay is None or not relay.is_active:
            raise Http404
        return render(request, "resumes/confirm_revoke_relay.html", {"relay": relay})
    try:
        services.revoke_relay_contact(seeker=request.user, relay_contact_id=relay_id)
    except (services.NotFound, services.ResumeMissing) as error:
        raise Http404 from error
    messages.success(request, _("Revoked: this organisation can no longer reach you through that alias."))
    return redirect("resumes:relays")


@require_http_methods(["GET", "POST"])
@seeker_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.mark_notifications_read(seeker=request.user)
        return redirect("resumes:notifications")
    items = seeker_selectors.list_notifications(seeker=request.user)
    return render(request, "resumes/notifications.html", {"notifications": items})


# Export and deletion


@require_http_methods(["GET", "POST"])
@seeker_required
def export(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "resumes/export.html")
    data = services.export_seeker_data(seeker=request.user, ip=client_ip(request), user_agent=user_agent(request))
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    filename = f"hirewall-export-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
@seeker_required
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.delete_seeker_account(seeker=request.user, ip=client_ip(request), user_agent=user_agent(request))
        logout(request)
        messages.success(request, _("Your account is deleted and your contact details are erased."))
        return redirect("home")
    return render(request, "resumes/delete_account.html", {"form": form})
