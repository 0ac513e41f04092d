"""Every login attempt, from the API, the web UI or the admin, becomes a LoginEvent."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from . import services
from .models import LoginFailure


@receiver(user_logged_in, dispatch_uid="accounts.record_login_success")
def record_login_success(sender, request, user, **kwargs) -> None:
    services.record_login_attempt(request=request, user=user, success=True)


@receiver(user_login_failed, dispatch_uid="accounts.record_login_failure")
def record_login_failure(sender, credentials, request=None, **kwargs) -> None:
    attempted = credentials.get("username") or credentials.get("email") or ""
    services.record_login_attempt(
        request=request,
        user=None,
        attempted_email=str(attempted),
        success=False,
        failure_reason=LoginFailure.BAD_CREDENTIALS,
    )
