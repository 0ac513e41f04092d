"""Writes on accounts: registration, operators, activation, passwords, API tokens, login events."""

from django.contrib.auth import authenticate, password_validation, user_logged_in, user_logged_out
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from knox.models import AuthToken
from knox.settings import knox_settings

from audit.actions import AuditAction
from audit.services import contains_contact_data, record_event
from config.errors import DomainError
from outbox.services import enqueue

from . import crypto, mail
from .models import LoginChannel, LoginEvent, LoginFailure, Role, User
from .request_info import client_ip, device_id, user_agent

FULL_NAME_MAX_LENGTH = 150
EMAIL_MAX_LENGTH = 254
EMAIL_TAKEN_MESSAGE = "An account with this email address already exists."


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    default_detail = "The email address or password is not correct."


class ReasonRequired(DomainError):
    code = "reason_required"
    default_detail = "A reason is required for this change."


def validate_new_account(*, email: str, password: str, full_name: str) -> None:
    errors: dict[str, list[str]] = {}
    normalised_email = crypto.normalise_email(email)
    try:
        if len(normalised_email) > EMAIL_MAX_LENGTH:
            raise ValidationError(f"An email address has at most {EMAIL_MAX_LENGTH} characters.")
        validate_email(normalised_email)
    except ValidationError as error:
        errors["email"] = error.messages
    else:
        if User.objects.filter(email_blind_index=crypto.blind_index(normalised_email)).exists():
            errors["email"] = [EMAIL_TAKEN_MESSAGE]
    if not full_name.strip():
        errors["full_name"] = ["A full name is required."]
    elif len(full_name.strip()) > FULL_NAME_MAX_LENGTH:
        errors["full_name"] = [f"A full name has at most {FULL_NAME_MAX_LENGTH} characters."]
    try:
        password_validation.validate_password(password)
    except ValidationError as error:
        errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)


def register_user(*, email: str, password: str, full_name: str, role: str = Role.RECRUITER) -> User:
    """Create an account; the address and the name are stored encrypted, the address also blind-indexed."""
    validate_new_account(email=email, password=password, full_name=full_name)
    user = User(role=role, is_staff=role == Role.OPERATOR, is_superuser=role == Role.OPERATOR)
    user.set_email(email)
    user.set_full_name(full_name)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        # Two registrations raced for one address; the unique blind index let one through.
        raise ValidationError({"email": [EMAIL_TAKEN_MESSAGE]}) from error
    return user


def create_account_by_operator(*, email: str, password: str, full_name: str, role: str, by: User, reason: str) -> User:
    """An operator creates an account in the admin: audited with its role and the operator's reason.

    An operator account has every admin permission, so who made it, and why, must be in the chain.
    """
    reason = clean_reason(reason)
    with transaction.atomic():
        user = register_user(email=email, password=password, full_name=full_name, role=role)
        record_event(
            action=AuditAction.USER_CREATED_BY_OPERATOR,
            actor=by,
            target_type="user",
            target_id=user.pk,
            details={"role": role, "reason": reason},
        )
    return user


def create_operator(*, email: str, password: str, full_name: str) -> User:
    """Operators are staff with every admin permission; the admin itself limits what they may change."""
    return register_user(email=email, password=password, full_name=full_name, role=Role.OPERATOR)


def clean_reason(reason: str) -> str:
    """An operator's reason for changing an account: required, and never contact details (it is audited)."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    if contains_contact_data(reason):
        raise ValidationError({"reason": ["A reason must not contain contact details such as email addresses."]})
    return reason


def set_user_active(*, user: User, active: bool, by: User, reason: str) -> User:
    """An operator activates or deactivates an account, with the reason in the audit log.

    A deactivated user can log in nowhere and their API tokens stop authenticating.
    Setting the state an account already has changes nothing and records nothing.
    """
    reason = clean_reason(reason)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active != active:
            locked.is_active = active
            locked.save(update_fields=["is_active"])
            record_event(
                action=AuditAction.USER_ACTIVATED if active else AuditAction.USER_DEACTIVATED,
                actor=by,
                target_type="user",
                target_id=locked.pk,
                details={"role": locked.role, "reason": reason},
            )
    user.refresh_from_db(fields=["is_active"])
    return user


def set_new_password(
    *, user: User, password: str, through_reset_link: bool, ip: str | None = None, user_agent: str = ""
) -> None:
    """Give the account a new password: every API token it holds ends, the change is audited, its holder told.

    Either the holder, signed in, gave the current password, or `through_reset_link` (the e-mailed link).
    The account's other web sessions end by themselves: each session keeps a hash of the password, and
    Django drops one whose hash no longer matches; a caller that must stay signed in keeps its own with
    update_session_auth_hash. Tokens are not tied to the password, so they are deleted here: whoever learnt
    the old one and took a token with it is shut out too.
    """
    password_validation.validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        AuthToken.objects.filter(user=user).delete()
        event = record_event(
            action=AuditAction.USER_PASSWORD_RESET if through_reset_link else AuditAction.USER_PASSWORD_CHANGED,
            actor=user,
            target_type="user",
            target_id=user.pk,
            ip=ip,
            user_agent=user_agent,
        )
        enqueue(
            kind=mail.PASSWORD_CHANGED_EMAIL,
            payload={"user_id": str(user.pk), "how": event.action, "changed_at": event.created_at.isoformat()},
        )


def _channel_of(request: HttpRequest | None) -> str:
    path = getattr(request, "path", "") or ""
    if path.startswith("/api/"):
        return LoginChannel.API
    if path.startswith("/admin/"):
        return LoginChannel.ADMIN
    return LoginChannel.WEB


def record_login_attempt(
    *,
    request: HttpRequest | None,
    user: User | None,
    attempted_email: str = "",
    success: bool,
    failure_reason: str = "",
) -> LoginEvent:
    """Keep one row per attempt: who (if known), from where, on which device, and the outcome."""
    attempted_index = crypto.email_blind_index(attempted_email) if attempted_email else ""
    if user is None and attempted_index:
        user = User.objects.filter(email_blind_index=attempted_index).first()
    return LoginEvent.objects.create(
        user=user,
        attempted_email_index=attempted_index or (user.email_blind_index if user else ""),
        success=success,
        failure_reason=failure_reason,
        channel=_channel_of(request),
        ip=client_ip(request) if request is not None else None,
        user_agent=user_agent(request) if request is not None else "",
        device_id=device_id(request) if request is not None else "",
    )


def log_in_for_api_token(*, request: HttpRequest, email: str, password: str) -> tuple[AuthToken, str]:
    """Check the credentials of a recruiter and issue a hashed, expiring API token.

    Django's auth signals record the attempt (accounts/signals.py), as they do
    for the web UI and the admin.
    """
    user = authenticate(request, username=email, password=password)
    if user is None:
        raise InvalidCredentials()
    if user.role != Role.RECRUITER:
        # The API is for employers; other roles work in the web UI or the admin.
        record_login_attempt(request=request, user=user, success=False, failure_reason=LoginFailure.ROLE_NOT_ALLOWED)
        raise InvalidCredentials()
    instance, token = AuthToken.objects.create(user=user)
    _keep_newest_tokens(user)
    user_logged_in.send(sender=User, request=request, user=user)
    return instance, token


def _keep_newest_tokens(user: User) -> None:
    """At most TOKEN_LIMIT_PER_USER tokens per account: a login past it ends the oldest ones.

    knox enforces its limit only in its own login view (a 403), which API.md's login does not answer; and an
    account that logs in every few seconds must not pile up thousands of live tokens.
    """
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    if not limit:
        return
    oldest = AuthToken.objects.filter(user=user).order_by("-created", "-pk").values_list("pk", flat=True)[limit:]
    AuthToken.objects.filter(pk__in=list(oldest)).delete()


def log_out_api_token(*, request: HttpRequest, token: AuthToken) -> None:
    user = token.user
    token.delete()
    user_logged_out.send(sender=User, request=request, user=user)
