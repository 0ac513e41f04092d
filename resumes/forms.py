"""Web forms of the seekers' pages; views pass their cleaned data to resumes.services."""

import re
from datetime import date

from django import forms
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from . import labels
from .contact import InvalidPhoneNumber, normalise_phone
from .contact_text import contains_contact_details
from .models import EducationEntry, ExperienceEntry, Resume
from .services import (
    ADDRESS_MAX_LENGTH,
    EARLIEST_YEAR,
    EDUCATION_YEARS_AHEAD,
    EMAIL_MAX_LENGTH,
    FULL_NAME_MAX_LENGTH,
    PHOTO_MAX_BYTES,
    SKILLS_MAX,
    sniff_photo_type,
)

# Skills are typed as a list separated by commas (also the Chinese comma), semicolons or lines.
_SKILL_SEPARATORS = re.compile("[,;\n\uff0c\uff1b\u3001]+")
YEARS_EXPERIENCE_MAX = 60
ENTRY_FORMS_EXTRA = 1
PHOTO_MAX_MB = PHOTO_MAX_BYTES // (1024 * 1024)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def split_skills(text: str) -> list[str]:
    return [part.strip() for part in _SKILL_SEPARATORS.split(text or "") if part.strip()]


CONTACT_IN_FREE_TEXT = _(
    "This looks like contact details (a phone number, an email address, a messaging account, a link, "
    "a birth date, an ID number or a street address). "
    "Employers read this part before they may contact you, so please remove them and put your contact "
    "details on your protected Contact details page instead: only employers you allow can reach you there."
)


def refuse_contact_details(value: str) -> None:
    """Free text employers read must not carry a way to reach the seeker around the reveal."""
    if value and contains_contact_details(value):
        raise forms.ValidationError(CONTACT_IN_FREE_TEXT, code="contact_in_free_text")


class RefusesContactDetails:
    """A form whose `free_text_fields` (shown to employers) refuse contact details."""

    free_text_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.free_text_fields:
            self.fields[name].validators.append(refuse_contact_details)


class ResumeForm(RefusesContactDetails, forms.Form):
    free_text_fields = ("headline", "summary", "skills", "city")

    headline = forms.CharField(
        label=_("Headline"), max_length=200, help_text=_("For example: Python backend engineer, 5 years")
    )
    summary = forms.CharField(
        label=_("Summary"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        max_length=2000,
        help_text=_("Separate skills with commas."),
    )
    city = forms.CharField(label=_("City"), max_length=64, required=False)
    category = forms.ChoiceField(label=_("Field of work"), choices=labels.choices("category"))
    years_experience = forms.IntegerField(
        label=_("Years of experience"), min_value=0, max_value=YEARS_EXPERIENCE_MAX, initial=0
    )

    def clean_skills(self) -> list[str]:
        skills = split_skills(self.cleaned_data["skills"])
        if len(skills) > SKILLS_MAX:
            raise forms.ValidationError(_("At most %(count)d skills.") % {"count": SKILLS_MAX})
        return skills

    @classmethod
    def initial_for(cls, resume: Resume | None) -> dict:
        if resume is None:
            return {}
        return {
            "headline": resume.headline,
            "summary": resume.summary,
            "skills": ", ".join(resume.skills or []),
            "city": resume.city,
            "category": resume.category,
            "years_experience": resume.years_experience,
        }


class ExperienceForm(RefusesContactDetails, forms.ModelForm):
    # Not employer_name: employers never see it.
    free_text_fields = ("title", "industry")

    class Meta:
        model = ExperienceEntry
        fields = ("title", "industry", "employer_name", "start", "end")
        labels = {
            "title": _("Job title"),
            "industry": _("Industry"),
            "employer_name": _("Employer"),
            "start": _("Start"),
            "end": _("End"),
        }
        help_texts = {
            "employer_name": _("Never shown to employers searching."),
            "end": _("Leave empty while current."),
        }
        widgets = {"start": DateInput(), "end": DateInput()}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end cannot be before the start."))
        if start and not date(EARLIEST_YEAR, 1, 1) <= start <= timezone.localdate():
            self.add_error("start", _("The start lies between %(year)s and today.") % {"year": EARLIEST_YEAR})
        return cleaned


class EducationForm(RefusesContactDetails, forms.ModelForm):
    free_text_fields = ("degree", "field")

    class Meta:
        model = EducationEntry
        fields = ("degree", "field", "start_year", "end_year")
        labels = {
            "degree": _("Degree"),
            "field": _("Field of study"),
            "start_year": _("First year"),
            "end_year": _("Last year"),
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_year"), cleaned.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", _("The last year cannot be before the first."))
        latest = timezone.localdate().year + EDUCATION_YEARS_AHEAD
        for field in ("start_year", "end_year"):
            year = cleaned.get(field)
            if year is not None and not EARLIEST_YEAR <= year <= latest:
                self.add_error(
                    field, _("A year between %(first)s and %(last)s.") % {"first": EARLIEST_YEAR, "last": latest}
                )
        return cleaned


ExperienceFormSet = inlineformset_factory(
    Resume,
    ExperienceEntry,
    form=ExperienceForm,
    extra=ENTRY_FORMS_EXTRA,
    can_delete=True,
    can_delete_extra=False,  # an empty extra entry has nothing to delete
    max_num=20,
)
EducationFormSet = inlineformset_factory(
    Resume,
    EducationEntry,
    form=EducationForm,
    extra=ENTRY_FORMS_EXTRA,
    can_delete=True,
    can_delete_extra=False,  # an empty extra entry has nothing to delete
    max_num=20,
)


def kept_entries(formset) -> list[dict]:
    """The cleaned data of the filled forms not marked for deletion (untouched extra forms clean to {})."""
    return [form.cleaned_data for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]


class ContactDetailsForm(forms.Form):
    """Checks what the service checks, so that every error shows at once in the seeker's language."""

    full_name = forms.CharField(label=_("Full name"), max_length=FULL_NAME_MAX_LENGTH)
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=32, help_text=_("Numbers without a country code are read as Chinese.")
    )
    email = forms.EmailField(label=_("Email"), max_length=EMAIL_MAX_LENGTH)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput())
    address = forms.CharField(
        label=_("Address"), max_length=ADDRESS_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=format_lazy(
            _("Optional. A PNG or JPEG image of at most {size} MB, shown to nobody but you."), size=PHOTO_MAX_MB
        ),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)

    def clean_photo(self) -> bytes | None:
        """The photo's bytes once its size and content (not its name) are checked; None when none was sent."""
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        if upload.size is None or upload.size == 0 or upload.size > PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("A photo has at most %(size)d MB.") % {"size": PHOTO_MAX_MB})
        content = upload.read(PHOTO_MAX_BYTES + 1)
        if len(content) > PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("A photo has at most %(size)d MB.") % {"size": PHOTO_MAX_MB})
        if sniff_photo_type(content) is None:
            raise forms.ValidationError(_("A photo must be a PNG or JPEG image."))
        return content

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        try:
            normalise_phone(phone)
        except InvalidPhoneNumber as error:
            raise forms.ValidationError(_("This is not a valid phone number.")) from error
        return phone

    def clean_birth_date(self):
        birth_date = self.cleaned_data["birth_date"]
        if birth_date is not None and birth_date > timezone.localdate():
            raise forms.ValidationError(_("A birth date cannot be in the future."))
        if birth_date is not None and birth_date.year < EARLIEST_YEAR:
            raise forms.ValidationError(_("A birth date is in %(year)s or later.") % {"year": EARLIEST_YEAR})
        return birth_date


class PrivacyForm(forms.Form):
    visibility = forms.ChoiceField(
        label=_("Who may find my resume"), choices=labels.choices("visibility"), widget=forms.RadioSelect
    )
    relay_preference = forms.ChoiceField(
        label=_("What employers receive"),
        choices=labels.choices("relay_preference"),
        widget=forms.RadioSelect,
        help_text=_(
            "Either way, an organisation that receives your contact also receives your name; a relay contact "
            "stands in for your phone number and email address only."
        ),
    )


class OrganizationSearchForm(forms.Form):
    q = forms.CharField(label=_("Organisation name"), min_length=2, max_length=100)


class JobFilterForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Field of work"), required=False, choices=[("", _("Any")), *labels.choices("category")]
    )
    city = forms.CharField(label=_("City"), required=False, max_length=64)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    confirm = forms.BooleanField(label=_("I understand that this cannot be undone."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password
