"""The demo's two accounts: a superuser and a station-staff user, with printed credentials.

Passwords are random and kept in ``var/demo-credentials.json`` (readable by the owner only)
so that ``make run`` can print them again on every start without resetting them.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group, Permission
from django.db import transaction

STATION_STAFF_GROUP = "Station staff"

# What a counter clerk does in the admin until the stations issue brings scoped roles.
STATION_STAFF_PERMISSIONS = {
    "stations": {
        "region": ["view"],
        "keygroup": ["view"],
        "occupation": ["view"],
        "jobseeker": ["view", "add", "change"],
        "seekerskill": ["view", "add", "change", "delete"],
        "seekerkeygroup": ["view", "add", "change", "delete"],
        "employer": ["view", "add", "change"],
        "jobpost": ["view", "add", "change"],
    }
}


@dataclass(frozen=True)
class DemoCredentials:
    role: str
    username: str
    password: str


def credentials_path() -> Path:
    return Path(settings.VAR_DIR) / "demo-credentials.json"


def station_staff_group_ensure() -> Group:
    group, _ = Group.objects.get_or_create(name=STATION_STAFF_GROUP)
    wanted = [
        Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}")
        for app_label, models in STATION_STAFF_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]
    group.permissions.add(*wanted)
    return group


def _user_ensure(
    *, username: str, password: str | None, superuser: bool, group: Group | None
) -> tuple[AbstractUser, str]:
    """The user, created or reset to ``password`` (a new random one when None)."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username)
    if created or password is None or not user.check_password(password):
        password = password or secrets.token_urlsafe(12)
        user.set_password(password)
    user.is_staff = True
    user.is_superuser = superuser
    user.is_active = True
    user.save()
    if group is not None:
        user.groups.add(group)
    return user, password


@transaction.atomic
def demo_users_ensure() -> list[DemoCredentials]:
    path = credentials_path()
    saved: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    group = station_staff_group_ensure()
    accounts = [("superuser", "admin", True, None), ("station staff", "staff", False, group)]
    credentials = []
    for role, username, superuser, user_group in accounts:
        _, password = _user_ensure(
            username=username,
            password=saved.get(username),
            superuser=superuser,
            group=user_group,
        )
        saved[username] = password
        credentials.append(DemoCredentials(role, username, password))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created readable by the owner only: it holds passwords.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(saved, handle, indent=2)
    return credentials
