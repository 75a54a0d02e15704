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
from django.contrib.auth.models import User
from django.db import transaction

from core.errors import DomainError
from stations.models import Station
from stations.models.organisation import StaffRole
from stations.services.staff import staff_assign

# The demo's counter clerk works at the first station of Chengguan district, Lanzhou.
DEMO_STATION_CODE = "demo-620102-1"


@dataclass(frozen=True)
class DemoCredentials:
    role: str
    username: str
    password: str


def credentials_path() -> Path:
    return Path(settings.VAR_DIR) / "demo-credentials.json"


def _user_ensure(*, username: str, password: str | None, superuser: bool) -> tuple[User, str]:
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
    return user, password


@transaction.atomic
def demo_users_ensure() -> list[DemoCredentials]:
    path = credentials_path()
    saved: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    station = Station.objects.filter(code=DEMO_STATION_CODE).first()
    if station is None:
        raise DomainError(f"No station {DEMO_STATION_CODE}: run seed_demo --city 620100 first.")
    credentials = []
    for role, username, superuser in (
        ("superuser", "admin", True),
        ("station staff", "staff", False),
    ):
        user, password = _user_ensure(
            username=username, password=saved.get(username), superuser=superuser
        )
        if not superuser:
            staff_assign(user=user, role=StaffRole.STATION_STAFF, stations=[station])
        saved[username] = password
        credentials.append(
            DemoCredentials(f"{role} ({station})" if not superuser else role, username, password)
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created readable by the owner only: it holds passwords.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(saved, handle, indent=2)
    return credentials
