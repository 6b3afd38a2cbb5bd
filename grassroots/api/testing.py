"""Test helpers: a client that calls the API as an app does, with a token and no session or CSRF."""

from django.test import Client

from grassroots.access.services import issue_token
from grassroots.audit.context import Actor


def token_for(user, name: str = "测试设备") -> str:
    _, secret = issue_token(actor=Actor.system("测试"), user=user, name=name)
    return secret


def bearer(user, name: str = "测试设备") -> Client:
    """A test client signed in as ``user`` through a fresh API token (``Authorization: Bearer``)."""
    return Client(headers={"Authorization": f"Bearer {token_for(user, name)}"})
