"""The relay provider's webhooks: inbound email to an alias, and which number an extension bridges to.

Signed with HMAC-SHA256 over the raw body (header X-Hirewall-Signature:
"sha256=<hex>"), fresh (a `timestamp` within RELAY_WEBHOOK_TOLERANCE_SECONDS) and
accepted once. Errors are {"code", "detail"}, as in the API.

The inbound email body is a JSON object: `alias`, `sender` (the From address),
`subject`, `body`, `timestamp`, and `authentication`, the provider's verdict on the
sender as RFC 8601 result values:

    "authentication": {"spf": "pass", "spf_domain": "mail.example.com",
                       "dkim": "pass", "dkim_domain": "example.com", "dmarc": "pass"}

each key optional ("none" when absent). A seeker's reply credits the organisation's
reveal back only when this vouches for the sender: DMARC "pass", or, for a domain
without a DMARC policy (dmarc "none"), SPF and DKIM both "pass" with `spf_domain`
and `dkim_domain` equal to the From address's domain. Without `authentication` the
mail is still forwarded, and nothing is credited.

Voice:
{"number", "extension", "timestamp"} and optionally "caller", the calling number in
E.164 ("+8613812345678"), compared with the organisation's registered numbers (a
missing or unreadable caller is not judged). Mail from outside the organisation
(not one of its recruiters, not one of its verified domains) and calls from numbers
it did not register are still forwarded, recorded by blind index for the detectors
(resumes/services/relay_use.py).
"""

import functools
import hashlib
import hmac
import json
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from config.errors import BODY_TOO_LARGE_ERRORS, DomainError, PayloadTooLarge
from config.middleware import declared_length

from . import errors
from .models import RelayWebhookReceipt
from .services.relay import SenderAuthentication, forward_inbound_email, resolve_voice_call

MAX_BODY_BYTES = 256 * 1024
SIGNATURE_HEADER = "HTTP_X_HIREWALL_SIGNATURE"


def sign_webhook_body(body: bytes) -> str:
    """The signature a provider sends: "sha256=" + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(settings.RELAY_WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()


def accept_webhook(*, body: bytes, signature: str, required: tuple[str, ...]) -> dict:
    """Check signature, freshness and single use; return the JSON payload. Call inside a transaction."""
    if not settings.RELAY_WEBHOOK_SECRET or not hmac.compare_digest(sign_webhook_body(body), signature or ""):
        raise errors.InvalidSignature()
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested deeper than json follows
        raise errors.WebhookInvalid("The body is not JSON.") from None
    if not isinstance(payload, dict):
        raise errors.WebhookInvalid("The body is not a JSON object.")
    missing = [field for field in (*required, "timestamp") if not isinstance(payload.get(field), str | int)]
    if missing:
        raise errors.WebhookInvalid(f"Missing or malformed: {', '.join(missing)}.")
    try:
        sent_at = int(payload["timestamp"])
    except (TypeError, ValueError):
        raise errors.WebhookInvalid("timestamp must be seconds since the epoch.") from None
    if abs(time.time() - sent_at) > settings.RELAY_WEBHOOK_TOLERANCE_SECONDS:
        raise errors.StaleTimestamp()
    digest = hashlib.sha256(signature.encode()).hexdigest()
    try:
        with transaction.atomic():
            RelayWebhookReceipt.objects.create(signature_digest=digest)
    except IntegrityError:
        raise errors.Replayed() from None
    return payload


AUTHENTICATION_FIELDS = ("spf", "dkim", "dmarc", "spf_domain", "dkim_domain")


def sender_authentication(payload: dict) -> SenderAuthentication:
    """The provider's verdict from the payload's optional `authentication` object; values are lowercased."""
    verdict = payload.get("authentication", {})
    if not isinstance(verdict, dict) or not all(isinstance(verdict.get(key, ""), str) for key in AUTHENTICATION_FIELDS):
        raise errors.WebhookInvalid("authentication must be an object of strings.")
    return SenderAuthentication(
        **{key: verdict[key].strip().lower()[:255] for key in AUTHENTICATION_FIELDS if key in verdict}
    )


def _refusal(error: DomainError) -> JsonResponse:
    return JsonResponse(error.body(), status=error.status_code)


def _accept(request: HttpRequest, *, required: tuple[str, ...]) -> dict:
    if declared_length(request) > MAX_BODY_BYTES:
        raise PayloadTooLarge()  # before reading it: Django would refuse a large one with an HTML page
    try:
        body = request.body
    except BODY_TOO_LARGE_ERRORS:
        raise PayloadTooLarge() from None
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    return accept_webhook(body=body, signature=request.META.get(SIGNATURE_HEADER, ""), required=required)


def _post_only(view):
    """Other methods get the webhooks' JSON error, as every refusal here does, with the Allow header."""

    @functools.wraps(view)
    def only_post(request: HttpRequest, *args, **kwargs):
        if request.method != "POST":
            body = {"code": "method_not_allowed", "detail": f'Method "{request.method}" not allowed.'}
            return JsonResponse(body, status=405, headers={"Allow": "POST"})
        return view(request, *args, **kwargs)

    return only_post


@csrf_exempt
@_post_only
def inbound_email(request: HttpRequest) -> JsonResponse:
    # Refusals commit too: the receipt (no replay) and the refusal's audit event stay.
    with transaction.atomic():
        try:
            payload = _accept(request, required=("alias", "sender", "subject", "body"))
            direction = forward_inbound_email(
                alias=str(payload["alias"]),
                sender=str(payload["sender"]),
                subject=str(payload["subject"]),
                body=str(payload["body"]),
                authentication=sender_authentication(payload),
            )
        except DomainError as error:
            refusal = error
        else:
            return JsonResponse({"status": "forwarded", "direction": direction})
    return _refusal(refusal)


@csrf_exempt
@_post_only
def resolve_voice(request: HttpRequest) -> JsonResponse:
    with transaction.atomic():
        try:
            payload = _accept(request, required=("number", "extension"))
            bridge_to = resolve_voice_call(
                number=str(payload["number"]),
                extension=str(payload["extension"]),
                caller=str(payload.get("caller") or ""),
            )
        except DomainError as error:
            refusal = error
        else:
            return JsonResponse({"bridge_to": bridge_to})
    return _refusal(refusal)
