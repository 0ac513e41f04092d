"""Users (seekers, recruiters, operators) and the record of every login attempt."""

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from . import crypto


class Role(models.TextChoices):
    SEEKER = "seeker", "Job seeker"
    RECRUITER = "recruiter", "Recruiter"
    OPERATOR = "operator", "Operator"


class UserManager(BaseUserManager):
    # Accounts are created by accounts.services (register_user, create_operator).

    def get_by_natural_key(self, email: str) -> "User":
        return self.get(email_blind_index=crypto.email_blind_index(email))

    def get_by_email(self, email: str) -> "User":
        return self.get_by_natural_key(email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. The email and the name are contact-grade: stored only as ciphertext."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email_ciphertext = models.TextField(editable=False)
    email_blind_index = models.CharField(
        "email",
        max_length=64,
        unique=True,
        editable=False,
        help_text="Keyed HMAC of the normalised address; the address itself is stored encrypted.",
    )
    full_name_ciphertext = models.TextField(editable=False)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.SEEKER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Operators are staff: they work in the admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    # Fields that hold ciphertext, re-encrypted by `manage.py reencrypt_contact_data`.
    encrypted_fields = ("email_ciphertext", "full_name_ciphertext")
    # Blind index -> the ciphertext whose (already normalised) plaintext it indexes.
    blind_indexed_fields = {"email_blind_index": "email_ciphertext"}

    objects = UserManager()

    USERNAME_FIELD = "email_blind_index"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["-date_joined"]

    def __str__(self) -> str:
        # Never the name or the address: __str__ ends up in admin lists and logs.
        return f"{self.get_role_display()} {str(self.id)[:8]}"

    def set_email(self, address: str) -> None:
        normalised = crypto.normalise_email(address)
        self.email_ciphertext = crypto.encrypt(normalised)
        self.email_blind_index = crypto.blind_index(normalised)

    def set_full_name(self, full_name: str) -> None:
        self.full_name_ciphertext = crypto.encrypt(full_name.strip())

    def decrypt_email(self) -> str:
        return crypto.decrypt(self.email_ciphertext)

    def decrypt_full_name(self) -> str:
        return crypto.decrypt(self.full_name_ciphertext)

    @property
    def is_operator(self) -> bool:
        return self.role == Role.OPERATOR

    @property
    def is_recruiter(self) -> bool:
        return self.role == Role.RECRUITER

    @property
    def is_seeker(self) -> bool:
        return self.role == Role.SEEKER


class LoginChannel(models.TextChoices):
    API = "api", "API"
    WEB = "web", "Web UI"
    ADMIN = "admin", "Admin"


class LoginFailure(models.TextChoices):
    """Why a login attempt failed (LoginEvent.failure_reason; "" for a success)."""

    BAD_CREDENTIALS = "bad_credentials", "Wrong email or password"
    ROLE_NOT_ALLOWED = "role_not_allowed", "Not allowed on this channel"
    RATE_LIMITED = "rate_limited", "Rate-limited"
    BAD_OTP_TOKEN = "bad_otp_token", "Wrong second-factor code"


class LoginEvent(models.Model):
    """One login attempt, successful or not; detectors cluster accounts on IP and device id."""

    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="login_events")
    # The blind index of the address typed, so attempts on unknown accounts still cluster.
    attempted_email_index = models.CharField(max_length=64, blank=True, db_index=True)
    success = models.BooleanField()
    failure_reason = models.CharField(max_length=32, blank=True)
    channel = models.CharField(max_length=8, choices=LoginChannel.choices)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    user_agent = models.CharField(max_length=512, blank=True)
    device_id = models.CharField(max_length=128, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        # The failures and the operators' logins, for the admin's filters: a few, and only they write to these.
        indexes = [
            models.Index(fields=["created_at", "id"], condition=models.Q(success=False), name="login_failed_idx"),
            models.Index(
                fields=["failure_reason", "created_at", "id"],
                condition=~models.Q(failure_reason=""),
                name="login_failure_reason_idx",
            ),
            models.Index(
                fields=["created_at", "id"], condition=models.Q(channel="admin"), name="login_admin_channel_idx"
            ),
        ]

    def __str__(self) -> str:
        outcome = "success" if self.success else f"failure ({self.failure_reason})"
        return f"login {outcome} at {self.created_at:%Y-%m-%d %H:%M:%S}"
