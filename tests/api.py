"""The partner API as a partner system reaches it: ``api_client(user)`` authenticates with the user's DRF token
(made on first use); ``api_client()`` is anonymous. Messages come in English (``Accept-Language: en``) unless
``language`` says otherwise. Tests may also ask for the ``api`` fixture (tests/conftest.py), which is this."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def api_client(user=None, *, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
