"""Fixtures for the employers' tests: token clients and a private media folder per test."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"
    return settings.PRIVATE_MEDIA_ROOT


def client_for(user) -> APIClient:
    """An API client holding a real knox token of `user` (any role: the API decides what it may do)."""
    client = APIClient()
    if user is not None:
        _, token = AuthToken.objects.create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client
