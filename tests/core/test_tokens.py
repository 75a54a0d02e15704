"""A request's token is read with its user by one hand-written statement, as knox's ORM
query reads them, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from knox.models import AuthToken
from knox.settings import CONSTANTS

from core.tokens import token_issue, tokens_with_key
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def columns(instance):
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


def test_a_token_is_read_with_its_user_as_knox_reads_them(django_assert_num_queries):
    user = UserFactory(username="reads-tokens", first_name="Mei", is_staff=True)
    _, secret = token_issue(user=user)
    twin, _ = token_issue(user=UserFactory(username="twin"))
    key = secret[: CONSTANTS.TOKEN_KEY_LENGTH]
    # Keys are prefixes: two tokens may share one, and both are read.
    AuthToken.objects.filter(digest=twin.digest).update(token_key=key)
    token_issue(user=user)  # another of the same person's, with its own key

    with django_assert_num_queries(1):
        tokens = sorted(tokens_with_key(key), key=lambda token: token.digest)
        users = [token.user for token in tokens]

    expected = list(
        AuthToken.objects.filter(token_key=key).select_related("user").order_by("digest")
    )
    assert [columns(token) for token in tokens] == [columns(token) for token in expected]
    assert [columns(person) for person in users] == [columns(token.user) for token in expected]
    assert len(tokens) == 2
    assert all(
        token.created.tzinfo is not None and token.expiry.tzinfo is not None for token in tokens
    )
    assert tokens_with_key("0" * CONSTANTS.TOKEN_KEY_LENGTH) == []
