"""Staff roles: each role is a permission group, and each staff member has a scope."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from stations.models import Region, Staff, Station
from stations.models.organisation import StaffRole

_REFERENCE_DATA = {
    "region": ["view"],
    "keygroup": ["view"],
    "occupation": ["view"],
    "certificatekind": ["view"],
    "station": ["view"],
}
_COUNTER_WORK = {
    "jobseeker": ["view", "add", "change", "merge"],
    "seekerskill": ["view", "add", "change", "delete"],
    "seekerkeygroup": ["view", "add", "change", "delete"],
    "seekercertificate": ["view", "add", "change", "delete"],
    "employer": ["view", "add", "change"],
    "jobpost": ["view", "add", "change"],
    "application": ["view", "add", "change"],
    "placement": ["view", "change"],
    "wagepayment": ["view", "add"],
    "wageclaim": ["view", "add", "change"],
    "signin": ["view", "add", "change"],
}
# Job fairs: counter staff run them (booths, registrations at the counter and the gate,
# intentions and their follow-up); nothing of a fair is deleted, it is cancelled or lapses.
_FAIR_WORK = {
    "jobfair": ["view", "add", "change"],
    "booth": ["view", "add", "change"],
    "fairregistration": ["view", "add", "change"],
    "intention": ["view", "add", "change"],
}
# 311 follow-up: counter and grid staff follow key-group members up (pushes, referrals,
# guidance, families); the overdue rules are the bureau administrator's to change.
_FOLLOW_UP = {
    "serviceplan": ["view", "change"],
    "servicerecord": ["view", "add"],
    "trainingcourse": ["view", "add", "change"],
    "trainingreferral": ["view", "add", "change"],
    "guidancesession": ["view", "add", "change"],
    "overduerule": ["view"],
    "family": ["view", "add", "change"],
    "zeroemploymentalert": ["view"],
}

# What each role may do, per model of the stations app ("merge" and "reveal" are the
# custom permissions on job seekers). Scope limits *which* records; these limit *what*.
ROLE_PERMISSIONS: dict[StaffRole, dict[str, list[str]]] = {
    StaffRole.STATION_STAFF: {**_REFERENCE_DATA, **_COUNTER_WORK, **_FAIR_WORK, **_FOLLOW_UP},
    StaffRole.GRID_STAFF: {
        **_REFERENCE_DATA,
        "jobseeker": ["view", "add", "change"],
        "seekerskill": ["view", "add", "change", "delete"],
        "seekerkeygroup": ["view", "add", "change", "delete"],
        "jobpost": ["view"],
        "employer": ["view"],
        "application": ["view"],
        **_FOLLOW_UP,
        "trainingcourse": ["view"],
    },
    StaffRole.EMPLOYMENT_PROFESSIONAL: {
        **_REFERENCE_DATA,
        **_COUNTER_WORK,
        **_FAIR_WORK,
        **_FOLLOW_UP,
        "jobseeker": ["view", "add", "change", "merge", "reveal"],
    },
    # Analysts read statistics, never personal records: posts, employers, stations, and
    # fairs with their booths.
    StaffRole.BUREAU_ANALYST: {
        **_REFERENCE_DATA,
        "jobpost": ["view"],
        "employer": ["view"],
        "jobfair": ["view"],
        "booth": ["view"],
        "trainingcourse": ["view"],
        "overduerule": ["view"],
    },
    StaffRole.BUREAU_ADMIN: {
        **_REFERENCE_DATA,
        **_COUNTER_WORK,
        **_FAIR_WORK,
        **_FOLLOW_UP,
        "overduerule": ["view", "change"],
        "jobseeker": ["view", "add", "change", "merge", "reveal"],
        "station": ["view", "add", "change"],
        "staff": ["view", "add", "change"],
    },
}

# Permissions outside the stations app: the bureau administrator reads the audit log, picks
# existing accounts when assigning roles and sets the region's matching policy. Creating or
# changing accounts (and so superuser flags) stays with superusers. Counter staff see the
# recommendations and the messages sent to the people they serve.
_OUTBOX = ["matching.view_notification", "matching.view_recommendation"]
# Reporting (named, never imported: reporting sits above stations). Analysts read the
# catalogue, ledgers, targets and closes; the bureau administrator also enters ledgers and
# targets, makes report keys and opens the records behind a figure.
_REPORTS = [
    "reporting.view_indicator",
    "reporting.view_indicatorversion",
    "reporting.view_programmeledger",
    "reporting.view_annualtarget",
    "reporting.view_monthclose",
]
_REPORTS_ADMIN = [
    *_REPORTS,
    "reporting.add_programmeledger",
    "reporting.change_programmeledger",
    "reporting.delete_programmeledger",
    "reporting.add_annualtarget",
    "reporting.change_annualtarget",
    "reporting.view_reporttoken",
    "reporting.add_reporttoken",
    "reporting.view_outcome",
]
OTHER_APP_PERMISSIONS: dict[StaffRole, list[str]] = {
    StaffRole.STATION_STAFF: _OUTBOX,
    StaffRole.EMPLOYMENT_PROFESSIONAL: _OUTBOX,
    StaffRole.BUREAU_ANALYST: _REPORTS,
    StaffRole.BUREAU_ADMIN: [
        *_REPORTS_ADMIN,
        "core.view_auditlog",
        "auth.view_user",
        *_OUTBOX,
        "matching.view_matchingpolicy",
        "matching.add_matchingpolicy",
        "matching.change_matchingpolicy",
    ],
}

_CODENAMES = {"merge": "merge_jobseeker", "reveal": "reveal_personal_data"}


def role_group_name(role: StaffRole) -> str:
    return f"role: {role.value}"


def _codename(action: str, model: str) -> str:
    return _CODENAMES.get(action, f"{action}_{model}")


@transaction.atomic
def role_groups_ensure() -> dict[StaffRole, Group]:
    """One group per role holding exactly the role's permissions (idempotent)."""
    permissions = {
        f"{permission.content_type.app_label}.{permission.codename}": permission
        for permission in Permission.objects.filter(
            content_type__app_label__in=["stations", "core", "auth", "matching", "reporting"]
        ).select_related("content_type")
    }
    groups = {}
    for role, models in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role_group_name(role))
        wanted = [
            permissions[f"stations.{_codename(action, model)}"]
            for model, actions in models.items()
            for action in actions
        ] + [permissions[name] for name in OTHER_APP_PERMISSIONS.get(role, [])]
        group.permissions.set(wanted)
        groups[role] = group
    return groups


@transaction.atomic
def staff_assign(
    *,
    user: User,
    role: StaffRole,
    stations: list[Station] | None = None,
    region: Region | None = None,
) -> Staff:
    """Give ``user`` a role and a scope; they become admin staff in that role's group only."""
    if not stations and region is None:
        raise DomainError(
            _("A staff member needs a scope: one or more stations, or a region."),
            field_errors={"stations": [_("or a region")]},
        )
    if role in (StaffRole.BUREAU_ANALYST, StaffRole.BUREAU_ADMIN) and region is None:
        raise DomainError(
            _("Bureau roles work over a region."), field_errors={"region": [_("required")]}
        )
    groups = role_groups_ensure()
    staff, _created = Staff.objects.update_or_create(
        user=user, defaults={"role": role, "region": region}
    )
    staff.stations.set(stations or [])
    role_group_names = [role_group_name(other) for other in StaffRole]
    user.groups.remove(*user.groups.filter(name__in=role_group_names))
    user.groups.add(groups[role])
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return staff
