"""System checks: a signing key that cannot be read is found at start-up, not at the first daily digest."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import signing


@checks.register(checks.Tags.security)
def check_audit_keys(app_configs, **kwargs) -> list[checks.CheckMessage]:
    messages = []
    if settings.AUDIT_SIGNING_KEY:
        try:
            signing.signing_key()
        except ImproperlyConfigured as error:
            messages.append(checks.Error(str(error), id="audit.E001"))
    for text in settings.AUDIT_RETIRED_PUBLIC_KEYS:
        try:
            signing.load_public_key(text)
        except ImproperlyConfigured as error:
            messages.append(checks.Error(f"AUDIT_RETIRED_PUBLIC_KEYS: {error}", id="audit.E002"))
    return messages


@checks.register(checks.Tags.security, deploy=True)
def check_audit_signing_key_is_set(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.AUDIT_SIGNING_KEY:
        return []
    return [checks.Error("AUDIT_SIGNING_KEY is not set: the audit chain's heads cannot be signed.", id="audit.E003")]
