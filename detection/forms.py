"""The seekers' misuse report form; the view passes its cleaned data to detection.services.report_misuse."""

from django import forms
from django.utils.translation import gettext_lazy as _

from resumes.contact_text import contains_contact_details

from .models import MisuseReason
from .services.misuse_reports import TEXT_MAX_LENGTH


class MisuseReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("What happened"), choices=MisuseReason.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("What you can tell us (optional)"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("No phone numbers, email addresses or other contact details, yours or anyone's."),
    )
    revoke_relay = forms.BooleanField(
        label=_("Also revoke the relay contact this organisation holds for me"), required=False
    )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if text and contains_contact_details(text):
            raise forms.ValidationError(
                _("Leave out phone numbers, email addresses and other contact details: operators read this.")
            )
        return text
