"""API tokens (django-rest-knox): issued with a lifetime that depends on who holds them, and
capped per person.

A seeker's phone stays logged in while it is used: knox moves the expiry on (``AUTO_REFRESH``)
to ``REST_KNOX["TOKEN_TTL"]`` after each use. A staff member's tablet token ends with the shift
it was issued for (``STAFF_TOKEN_TTL`` after login) however busy the tablet is, so that a
tablet left logged in at the counter does not stay open for a month. Knox has one
``AUTO_REFRESH_MAX_TTL`` for everybody, hence the subclass.
"""

from __future__ import annotations

import binascii
import datetime as dt
import functools
from hmac import compare_digest

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions

from core.db import columns, fetch_all, instance_from


def token_ttl(user: AbstractBaseUser) -> dt.timedelta:
    """How long a token of ``user`` lasts: a shift for staff, ``TOKEN_TTL`` since last use for
    everybody else."""
    if getattr(user, "is_staff", False):
        ttl: dt.timedelta = settings.STAFF_TOKEN_TTL
        return ttl
    default: dt.timedelta = knox_settings.TOKEN_TTL
    return default


def _shift_end(token: AuthToken) -> dt.datetime | None:
    """When a staff token must end at the latest (``None`` for anybody else's)."""
    if not getattr(token.user, "is_staff", False):
        return None
    end: dt.datetime = token.created + settings.STAFF_TOKEN_TTL
    return end


class TokenAuthentication(KnoxTokenAuthentication):
    """Knox's token authentication, with staff tokens never renewed past their shift, and
    the token read with its user by one hand-written statement."""

    def authenticate_credentials(self, token: bytes) -> tuple[User, AuthToken]:
        """Knox's, but for the query: the ORM built and compiled knox's anew on every
        request, a third of the CPU a signed-in request cost the web process."""
        message = _("Invalid token.")
        text = token.decode("utf-8")
        for auth_token in tokens_with_key(text[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(text)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(message) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(message)

    def renew_token(self, auth_token: AuthToken) -> None:
        shift_end = _shift_end(auth_token)
        if shift_end is None:
            super().renew_token(auth_token)
            return
        if auth_token.expiry is None or auth_token.expiry > shift_end:
            # A token issued before this rule, or pushed out by knox's own renewal.
            auth_token.expiry = shift_end
            auth_token.save(update_fields=["expiry"])

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        """Whether this token has expired (it is then deleted). Knox also reads every other
        token of the person on every request to delete their expired ones: a query per API
        call for rows that cannot log anybody in; ``token_issue`` clears them at each login
        instead."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False

    def validate_user(self, auth_token: AuthToken) -> tuple[User, AuthToken]:
        shift_end = _shift_end(auth_token)
        if shift_end is not None and shift_end <= timezone.now():
            auth_token.delete()
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user_and_token: tuple[User, AuthToken] = super().validate_user(auth_token)
        return user_and_token


def tokens_with_key(key: str) -> list[AuthToken]:
    """The tokens whose first characters are ``key``, each with its user, as knox's
    ``filter(token_key=key).select_related("user")`` reads them."""
    width = len(AuthToken._meta.concrete_fields)
    tokens = []
    for row in fetch_all(_tokens_with_key_sql(), [key]):
        auth_token = instance_from(AuthToken, row, 0)
        AuthToken._meta.get_field("user").set_cached_value(
            auth_token, instance_from(User, row, width)
        )
        tokens.append(auth_token)
    return tokens


@functools.cache
def _tokens_with_key_sql() -> str:
    user = AuthToken._meta.get_field("user")
    # Names from the models, the key as a parameter.
    return (
        f"SELECT {columns(AuthToken, 'token')}, {columns(User, 'person')}"  # noqa: S608
        f' FROM "{AuthToken._meta.db_table}" token INNER JOIN "{User._meta.db_table}" person'
        f' ON person."{user.target_field.column}" = token."{user.column}"'
        f' WHERE token."{AuthToken._meta.get_field("token_key").column}" = %s'
    )


class TokenScheme(KnoxTokenScheme):
    """The same security scheme in the OpenAPI schema as knox's own class."""

    target_class = "core.tokens.TokenAuthentication"


@transaction.atomic
def token_issue(*, user: User) -> tuple[AuthToken, str]:
    """A new token for one of ``user``'s devices, and its secret (shown once, stored only as a
    digest). Past ``REST_KNOX["TOKEN_LIMIT_PER_USER"]`` live tokens, the ones unused longest
    are revoked: a person logging in on a new phone expects that to work, and the device they
    no longer use is the one to go."""
    # Lock the person: two logins at once must not both find room for one more token.
    User.objects.select_for_update().filter(pk=user.pk).first()
    now = timezone.now()
    tokens = AuthToken.objects.filter(user=user)
    tokens.filter(expiry__lte=now).delete()
    limit: int | None = knox_settings.TOKEN_LIMIT_PER_USER
    if limit is not None:
        # Knox moves a seeker's expiry on at each use: the earliest expiry is the token unused
        # longest (a staff token's expiry is its login time plus the shift: the oldest).
        live = tokens.filter(Q(expiry__isnull=True) | Q(expiry__gt=now)).order_by(
            F("expiry").asc(nulls_last=True), "created"
        )
        surplus = live.count() - (limit - 1)
        if surplus > 0:
            AuthToken.objects.filter(
                digest__in=list(live.values_list("digest", flat=True)[:surplus])
            ).delete()
    issued: tuple[AuthToken, str] = AuthToken.objects.create(user, expiry=token_ttl(user))
    return issued
