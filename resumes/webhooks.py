"""The relay provider's webhooks: inbound email to an alias, and which number an extension bridges to.

Signed with HMAC-SHA256 over the raw body (header X-Hirewall-Signature:
"sha256=<hex>"), fresh (a `timestamp` within RELAY_WEBHOOK_TOLERANCE_SECONDS) and
accepted once. Errors are {"code", "detail"}, as in the API.
"""

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.errors import DomainError

from . import relay
from .errors import WebhookInvalid

MAX_BODY_BYTES = 256 * 1024


def _refusal(error: DomainError) -> JsonResponse:
    return JsonResponse(error.body(), status=error.status_code)


def _accept(request: HttpRequest, *, required: tuple[str, ...]) -> dict:
    if len(request.body) > MAX_BODY_BYTES:
        raise WebhookInvalid("The body is too large.")
    return relay.accept_webhook(
        body=request.body, signature=request.META.get(relay.SIGNATURE_HEADER, ""), required=required
    )


@csrf_exempt
@require_POST
def inbound_email(request: HttpRequest) -> JsonResponse:
    # Refusals commit too: the receipt (no replay) and the refusal's audit event stay.
    with transaction.atomic():
        try:
            payload = _accept(request, required=("alias", "sender", "subject", "body"))
            direction = relay.forward_inbound_email(
                alias=str(payload["alias"]),
                sender=str(payload["sender"]),
                subject=str(payload["subject"]),
                body=str(payload["body"]),
            )
        except DomainError as error:
            refusal = error
        else:
            return JsonResponse({"status": "forwarded", "direction": direction})
    return _refusal(refusal)


@csrf_exempt
@require_POST
def resolve_voice(request: HttpRequest) -> JsonResponse:
    with transaction.atomic():
        try:
            payload = _accept(request, required=("number", "extension"))
            bridge_to = relay.resolve_voice_call(number=str(payload["number"]), extension=str(payload["extension"]))
        except DomainError as error:
            refusal = error
        else:
            return JsonResponse({"bridge_to": bridge_to})
    return _refusal(refusal)
