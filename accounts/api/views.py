"""Employers' account endpoints: register, log in for a token, log out."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config import api_schema
from config.api.serializers import StrictInputSerializer
from config.errors import RateLimited
from config.ratelimit import enforce_rate_limit, enforce_rate_limits

from .. import crypto, services
from ..models import LoginFailure, Role


class RegisterApi(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()

    class RegisterInputSerializer(StrictInputSerializer):
        email = serializers.CharField(max_length=services.EMAIL_MAX_LENGTH)
        password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})
        full_name = serializers.CharField(max_length=services.FULL_NAME_MAX_LENGTH)

    class RegisterOutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        email = serializers.EmailField()

    @extend_schema(
        operation_id="auth_register",
        summary="Create a recruiter account",
        request=RegisterInputSerializer,
        responses={
            201: RegisterOutputSerializer,
            400: api_schema.VALIDATION_ERROR,
            429: api_schema.RATE_LIMITED,
        },
    )
    def post(self, request: Request) -> Response:
        enforce_rate_limit(request, name="register_per_ip", key="ip")
        serializer = self.RegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.register_user(**serializer.validated_data, role=Role.RECRUITER)
        body = {"id": user.id, "email": crypto.normalise_email(serializer.validated_data["email"])}
        return Response(self.RegisterOutputSerializer(body).data, status=status.HTTP_201_CREATED)


def _email_rate_key(group: str, request: Request) -> str:
    # The limit counts per address without writing the address into the cache.
    return crypto.email_blind_index(str(request.data.get("email", "")))


class LoginApi(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()

    class LoginInputSerializer(serializers.Serializer):
        email = serializers.CharField(max_length=services.EMAIL_MAX_LENGTH)
        password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})

    LoginOutputSerializer = inline_serializer(
        "LoginResult",
        fields={"token": serializers.CharField(), "expiry": serializers.DateTimeField()},
    )

    @extend_schema(
        operation_id="auth_login",
        summary="Exchange a recruiter's email and password for an expiring API token",
        request=LoginInputSerializer,
        responses={
            200: LoginOutputSerializer,
            400: api_schema.error_response(
                "Wrong email or password, or the body is not valid.", "invalid_credentials", "invalid"
            ),
            429: api_schema.RATE_LIMITED,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = self.LoginInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            enforce_rate_limits(request, ("login_per_ip", "ip"), ("login_per_email", _email_rate_key))
        except RateLimited:
            services.record_login_attempt(
                request=request,
                user=None,
                attempted_email=serializer.validated_data["email"],
                success=False,
                failure_reason=LoginFailure.RATE_LIMITED,
            )
            raise
        token, raw_token = services.log_in_for_api_token(request=request._request, **serializer.validated_data)
        return Response({"token": raw_token, "expiry": token.expiry})


class LogoutApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="auth_logout",
        summary="Revoke the token this request is made with",
        request=None,
        responses={204: None, 401: api_schema.UNAUTHENTICATED},
    )
    def post(self, request: Request) -> Response:
        services.log_out_api_token(request=request._request, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
