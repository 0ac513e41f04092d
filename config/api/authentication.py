"""API token authentication: knox's hashed, expiring tokens, checked in one query per request.

knox's own TokenAuthentication loads every other token of the user on each request, to delete
the expired ones (accounts/retention.py prunes those daily instead), and deletes an expired token
whose prefix matches before comparing digests. This class reads the candidate tokens with their
user, the user's seat and its organisation in one SELECT (the recruiters' views all read the seat:
employers.selectors.get_active_seat reuses it), compares digests in constant time, then refuses an
expired token or an inactive user with knox's own messages.
"""

import binascii
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.models import AuthToken, get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from . import SEAT_READ_WITH_USER

INVALID_TOKEN = _("Invalid token.")


class TokenAuthentication(knox_auth.TokenAuthentication):
    """knox's scheme (`Authorization: Token <token>`), in one query and without touching the user's other tokens."""

    def authenticate_credentials(self, token: bytes) -> tuple:
        try:
            token_string = token.decode("utf-8")
            digest = hash_token(token_string)
        except (UnicodeDecodeError, TypeError, binascii.Error):
            raise exceptions.AuthenticationFailed(INVALID_TOKEN) from None
        candidates = (
            get_token_model()
            .objects.filter(token_key=token_string[: CONSTANTS.TOKEN_KEY_LENGTH])
            .select_related("user__seat__organization")
        )
        for auth_token in candidates:
            if not compare_digest(digest, auth_token.digest):
                continue
            if self._has_expired(auth_token):
                break
            if knox_settings.AUTO_REFRESH and auth_token.expiry:
                # knox writes only when the new expiry moves by more than MIN_REFRESH_INTERVAL seconds.
                self.renew_token(auth_token)
            # This user object lives for this request only: its seat may stand for a fresh read of it.
            setattr(auth_token.user, SEAT_READ_WITH_USER, True)
            return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(INVALID_TOKEN)

    def _has_expired(self, auth_token: AuthToken) -> bool:
        """An expired token is refused and deleted, as knox does; only the token presented is looked at."""
        if auth_token.expiry is None or auth_token.expiry >= timezone.now():
            return False
        username = auth_token.user.get_username()
        auth_token.delete()
        token_expired.send(sender=self.__class__, username=username, source="auth_token")
        return True


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """The schema's `knoxApiToken` security scheme, as drf-spectacular's knox extension describes knox's class."""

    target_class = "config.api.authentication.TokenAuthentication"
    name = "knoxApiToken"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header("")
        )
