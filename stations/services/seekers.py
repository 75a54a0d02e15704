"""Job seekers: real-name registration, profile changes, and merging duplicate records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import Conflict, DomainError
from core.models import AuditLog
from stations.models import (
    CLOSED_STATUSES,
    Application,
    CertificateKind,
    JobPost,
    JobSeeker,
    KeyGroup,
    Occupation,
    Region,
    SeekerCertificate,
    SeekerKeyGroup,
    SeekerSkill,
    Station,
    WageClaim,
)
from stations.models.placements import ApplicationStatus
from stations.services.applications import APPLICATION_TRANSITIONS, application_move
from stations.services.changes import key_group_joined, seeker_changed
from stations.services.identity import id_number_apply, id_number_hash
from stations.validators import normalize_mobile_phone

# Profile fields a registration or an update may set directly.
PROFILE_FIELDS = frozenset(
    {
        "full_name",
        "household",
        "residence_region",
        "latitude",
        "longitude",
        "expected_daily_wage",
        "max_travel_km",
        "availability",
        "employment_status",
        "graduation_year",
        "preferred_language",
        "consent_sms",
        "consent_push",
        "consent_wechat",
        "registering_station",
    }
)
# What seekers may change themselves, in the app: everything but the station of record.
SELF_SERVICE_FIELDS = PROFILE_FIELDS - {"registering_station"}


class DuplicateSeeker(Conflict):
    """The person is registered already; ``existing`` is their record."""

    code = "duplicate_seeker"

    def __init__(self, message: str, *, existing: JobSeeker, field: str) -> None:
        super().__init__(message, field_errors={field: [message]})
        self.existing = existing


def _normalized_phone(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return normalize_mobile_phone(raw)
    except ValidationError as error:
        raise DomainError(error.messages[0], field_errors={"phone": error.messages}) from error


class DuplicateRefused(DomainError):
    """A seeker entered a number on another person's record. They are not told whose, nor
    that the record exists as such: a station checks the ID card and merges if need be."""

    code = "duplicate_refused"


def _refuse_duplicates(seeker: JobSeeker, *, disclose: bool) -> None:
    """Refuse an ID number or phone already on another record: naming that record when
    ``disclose`` (staff, and the system's own imports), without a trace of it otherwise."""
    others = JobSeeker.objects.exclude(pk=seeker.pk)
    if seeker.id_number_hash:
        existing = others.filter(id_number_hash=seeker.id_number_hash).first()
        if existing is not None and not disclose:
            raise DuplicateRefused(
                _("This ID number cannot be used; ask a station to check your ID card."),
                field_errors={
                    "id_number": [_("cannot be used; ask a station to check your ID card")]
                },
            )
        if existing is not None:
            raise DuplicateSeeker(
                _("This ID number belongs to seeker #%(id)s already.") % {"id": existing.pk},
                existing=existing,
                field="id_number",
            )
    if seeker.phone:
        existing = others.filter(phone=seeker.phone).first()
        if existing is not None and not disclose:
            raise DuplicateRefused(
                _("This phone number cannot be used; ask a station for help."),
                field_errors={"phone": [_("cannot be used; ask a station for help")]},
            )
        if existing is not None:
            raise DuplicateSeeker(
                _("This phone number belongs to seeker #%(id)s already.") % {"id": existing.pk},
                existing=existing,
                field="phone",
            )


def _save_checked(seeker: JobSeeker, by: User | None) -> None:
    try:
        seeker.full_clean(
            exclude=["phone", "id_number_hash"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        message = _("The seeker's details are not valid.")
        raise DomainError(message, field_errors=error.message_dict) from error
    # Seekers changing their own record (``by`` is their account) learn nothing of others'.
    disclose = by is None or by.is_staff
    _refuse_duplicates(seeker, disclose=disclose)
    seeker._history_user = by  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            seeker.save()
    except IntegrityError as error:
        # Another counter registered the same person a moment ago.
        _refuse_duplicates(seeker, disclose=disclose)
        raise Conflict(_("The seeker could not be saved; try again.")) from error


@transaction.atomic
def seeker_register(
    *,
    full_name: str,
    residence_region: Region,
    household: str,
    by: User | None,
    now: dt.datetime,
    id_number: str | None = None,
    phone: str | None = None,
    **profile: Any,
) -> JobSeeker:
    """Register a person. With an ID number typed by staff the real name is verified; a
    phone or ID number already on file refuses the registration and names the record."""
    unknown = set(profile) - PROFILE_FIELDS
    if unknown:
        raise TypeError(f"Unknown seeker fields: {sorted(unknown)}")
    if not full_name.strip():
        # Only a self-registration by phone (services/accounts.py) goes without a name.
        raise DomainError(
            _("The seeker's details are not valid."),
            field_errors={"full_name": [_("This field cannot be blank.")]},
        )
    seeker = JobSeeker(
        full_name=full_name.strip(),
        residence_region=residence_region,
        household=household,
        phone=_normalized_phone(phone),
        **profile,
    )
    if id_number:
        id_number_apply(record=seeker, raw=id_number, today=timezone.localdate(now))
        if by is not None and by.is_staff:
            seeker.verified_at = now
    _save_checked(seeker, by)
    seeker_changed(seeker.pk)
    return seeker


@transaction.atomic
def seeker_update(
    *,
    seeker: JobSeeker,
    by: User | None,
    now: dt.datetime,
    id_number: str | None = None,
    phone: str | None = None,
    **changes: Any,
) -> JobSeeker:
    """Change a seeker's profile. The ID number is written once: a different number for a
    seeker who has one is refused (correcting it is a merge or a new registration). A
    verified real name is changed by staff only."""
    unknown = set(changes) - PROFILE_FIELDS
    if unknown:
        raise TypeError(f"Unknown seeker fields: {sorted(unknown)}")
    seeker = JobSeeker.objects.select_for_update().get(pk=seeker.pk)
    if seeker.merged_into_id is not None:
        raise DomainError(_("This seeker's record was merged into another; use that one."))
    staff = by is not None and by.is_staff
    if not staff and set(changes) - SELF_SERVICE_FIELDS:
        raise TypeError(f"Staff-only seeker fields: {sorted(set(changes) - SELF_SERVICE_FIELDS)}")
    if (
        not staff
        and seeker.verified_at is not None
        and "full_name" in changes
        and changes["full_name"] != seeker.full_name
    ):
        # A verified real name matches the ID card a station saw; only staff change it.
        raise DomainError(
            _("Your real name is verified; a station changes it for you."),
            field_errors={"full_name": [_("verified, cannot be changed here")]},
        )
    for field, value in changes.items():
        setattr(seeker, field, value)
    if phone is not None:
        seeker.phone = _normalized_phone(phone)
    if id_number:
        if seeker.id_number_hash and seeker.id_number_hash != id_number_hash(id_number):
            raise DomainError(
                _("The ID number cannot be changed once recorded."),
                field_errors={"id_number": [_("already recorded")]},
            )
        if not seeker.id_number_hash:
            id_number_apply(record=seeker, raw=id_number, today=timezone.localdate(now))
        # Staff typing the number from the card verifies the real name, also when the seeker
        # had entered the same number in the app before.
        if staff and seeker.verified_at is None:
            seeker.verified_at = now
    _save_checked(seeker, by)
    seeker_changed(seeker.pk)
    return seeker


def _validated(row: Any, message: str) -> Any:
    try:
        row.full_clean(validate_unique=False)
    except ValidationError as error:
        raise DomainError.from_validation_errors(error, message) from error
    return row


def seeker_key_group_add(
    *, seeker: JobSeeker, key_group: KeyGroup, started_on: dt.date, ended_on: dt.date | None = None
) -> SeekerKeyGroup:
    """Add a membership, or set the end of the one that started that day."""
    span = SeekerKeyGroup.objects.filter(
        seeker=seeker, key_group=key_group, started_on=started_on
    ).first() or SeekerKeyGroup(seeker=seeker, key_group=key_group, started_on=started_on)
    span.ended_on = ended_on
    _validated(span, _("The key group membership is not valid.")).save()
    seeker_changed(seeker.pk)
    if ended_on is None:
        key_group_joined(seeker.pk, on=started_on)
    return span


def seeker_skill_set(
    *, seeker: JobSeeker, occupation: Occupation, level: int = 0, years: int = 0
) -> SeekerSkill:
    if occupation.level != Occupation.Level.TRADE:
        raise DomainError(_("A skill is a trade, not a group of occupations."))
    skill = SeekerSkill.objects.filter(seeker=seeker, occupation=occupation).first() or SeekerSkill(
        seeker=seeker, occupation=occupation
    )
    skill.level, skill.years = level, years
    _validated(skill, _("The skill is not valid.")).save()
    seeker_changed(seeker.pk)
    return skill


MAX_SELF_DECLARED_SKILLS = 20


@transaction.atomic
def seeker_skills_replace(
    *, seeker: JobSeeker, skills: Sequence[tuple[Occupation, int]]
) -> list[SeekerSkill]:
    """The seeker's own list of trades with their years of experience, as the app edits it:
    trades left out are removed, new ones added without a qualification level, and a level
    staff recorded from a certificate stays (a seeker cannot certify themselves)."""
    occupations = [occupation for occupation, _years in skills]
    if len({occupation.pk for occupation in occupations}) != len(occupations):
        raise DomainError(
            _("Each trade can be listed once."), field_errors={"skills": [_("a trade twice")]}
        )
    if len(skills) > MAX_SELF_DECLARED_SKILLS:
        raise DomainError(
            _("At most %(count)d trades.") % {"count": MAX_SELF_DECLARED_SKILLS},
            field_errors={"skills": [_("too many trades")]},
        )
    if any(occupation.level != Occupation.Level.TRADE for occupation in occupations):
        raise DomainError(
            _("A skill is a trade, not a group of occupations."),
            field_errors={"skills": [_("not a trade")]},
        )
    # One edit of the list at a time: two phones saving at once would both add a trade.
    JobSeeker.objects.select_for_update().only("pk").get(pk=seeker.pk)
    existing = {row.occupation_id: row for row in SeekerSkill.objects.filter(seeker=seeker)}
    SeekerSkill.objects.filter(seeker=seeker).exclude(
        occupation__in=[occupation.pk for occupation in occupations]
    ).delete()
    kept = []
    for occupation, years in skills:
        row = existing.get(occupation.pk) or SeekerSkill(seeker=seeker, occupation=occupation)
        row.years = years
        kept.append(_validated(row, _("The skill is not valid.")))
        row.save()
    seeker_changed(seeker.pk)
    return kept


@transaction.atomic
def seeker_self_update(
    *,
    seeker: JobSeeker,
    by: User | None,
    now: dt.datetime,
    id_number: str | None = None,
    skills: Sequence[tuple[Occupation, int]] | None = None,
    **changes: Any,
) -> JobSeeker:
    """A seeker's own edit from the app: the profile (``seeker_update``'s rules) and, when
    given, the list of trades (``seeker_skills_replace``), both or neither."""
    seeker = seeker_update(seeker=seeker, by=by, now=now, id_number=id_number, **changes)
    if skills is not None:
        seeker_skills_replace(seeker=seeker, skills=skills)
    return seeker


def seeker_certificate_set(
    *,
    seeker: JobSeeker,
    kind: CertificateKind,
    expires_on: dt.date | None,
    issued_on: dt.date | None = None,
    number: str = "",
) -> SeekerCertificate:
    certificate = SeekerCertificate.objects.filter(
        seeker=seeker, kind=kind
    ).first() or SeekerCertificate(seeker=seeker, kind=kind)
    certificate.expires_on, certificate.issued_on, certificate.number = (
        expires_on,
        issued_on,
        number,
    )
    _validated(certificate, _("The certificate is not valid.")).save()
    seeker_changed(seeker.pk)
    return certificate


# How far an application got: the less advanced of two is the one withdrawn in a merge.
_PROGRESS = {
    ApplicationStatus.APPLIED: 0,
    ApplicationStatus.REFERRED: 0,
    ApplicationStatus.CONTACTED: 1,
    ApplicationStatus.INTERVIEWED: 2,
    ApplicationStatus.HIRED: 3,
    ApplicationStatus.NO_SHOW: 3,
    ApplicationStatus.STARTED: 4,
    ApplicationStatus.COMPLETED: 5,
}


def _better_level(a: int, b: int) -> int:
    """Qualification levels run from 5 (beginner) to 1 (senior technician); 0 is none."""
    certified = [level for level in (a, b) if level]
    return min(certified) if certified else 0


# Fields copied from the duplicate when the kept record has none.
_FILL_IN_FIELDS = (
    "latitude",
    "longitude",
    "expected_daily_wage",
    "graduation_year",
    "registering_station",
    "verified_at",
)
_IDENTITY_FIELDS = (
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
    "birth_date",
    "sex",
)


@transaction.atomic
def seekers_merge(
    *, keep: JobSeeker, duplicate: JobSeeker, by: User | None, now: dt.datetime
) -> JobSeeker:
    """Fold ``duplicate`` into ``keep``: applications, placements, skills, key groups,
    certificates and claims move over; the duplicate stays, marked merged, with its history."""
    if keep.pk == duplicate.pk:
        raise DomainError(_("A record cannot be merged into itself."))
    # Lock order as in hiring (post, then application, then seeker): first the posts both
    # records have live applications for, then both seekers, lower id first.
    not_live = list(CLOSED_STATUSES)
    post_ids = (
        Application.objects.filter(seeker_id__in=[keep.pk, duplicate.pk])
        .exclude(status__in=not_live)
        .values_list("post_id", flat=True)
    )
    list(JobPost.objects.select_for_update().filter(pk__in=list(post_ids)).order_by("pk"))
    locked = {
        seeker.pk: seeker
        for seeker in JobSeeker.objects.select_for_update()
        .filter(pk__in=[keep.pk, duplicate.pk])
        .order_by("pk")
    }
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    if keep.merged_into_id or duplicate.merged_into_id:
        raise Conflict(_("One of these records was merged already."))
    if (
        keep.id_number_hash
        and duplicate.id_number_hash
        and keep.id_number_hash != duplicate.id_number_hash
    ):
        raise DomainError(_("These records hold different ID numbers: they are two people."))

    # One person may hold one live application per post: where both records applied to the
    # same post, the less advanced application is withdrawn through the legal moves. Two
    # hires cannot be folded into one: staff settle one of them before merging.
    kept_live = {a.post_id: a for a in keep.applications.exclude(status__in=not_live)}
    for theirs in duplicate.applications.filter(post_id__in=list(kept_live)).exclude(
        status__in=not_live
    ):
        closing = min(
            # On a tie the duplicate's application is the one withdrawn.
            theirs,
            kept_live[theirs.post_id],
            key=lambda a: _PROGRESS[ApplicationStatus(a.status)],
        )
        if (
            ApplicationStatus.WITHDRAWN
            not in APPLICATION_TRANSITIONS[ApplicationStatus(closing.status)]
        ):
            raise Conflict(
                _(
                    "Both records are %(status)s for post %(post)s: settle one of them before "
                    "merging."
                )
                % {"status": closing.get_status_display(), "post": theirs.post_id}
            )
        application_move(
            application=closing,
            to=ApplicationStatus.WITHDRAWN,
            by=by,
            now=now,
            note=f"merged into seeker #{keep.pk}",
        )
    Application.objects.filter(seeker=duplicate).update(seeker=keep)
    WageClaim.objects.filter(seeker=duplicate).update(seeker=keep)

    kept_skills = {skill.occupation_id: skill for skill in keep.skill_rows.all()}
    for skill in duplicate.skill_rows.all():
        mine = kept_skills.get(skill.occupation_id)
        if mine is None:
            skill.seeker = keep
            skill.save(update_fields=["seeker"])
        else:
            mine.level = _better_level(mine.level, skill.level)
            mine.years = max(mine.years, skill.years)
            mine.save(update_fields=["level", "years"])
            skill.delete()

    kept_spans = set(keep.key_group_spans.values_list("key_group_id", "started_on"))
    for span in duplicate.key_group_spans.all():
        if (span.key_group_id, span.started_on) in kept_spans:
            span.delete()
        else:
            span.seeker = keep
            span.save(update_fields=["seeker"])

    kept_certificates = {c.kind_id: c for c in keep.certificates.all()}
    for certificate in duplicate.certificates.all():
        mine_certificate = kept_certificates.get(certificate.kind_id)
        if mine_certificate is None:
            certificate.seeker = keep
            certificate.save(update_fields=["seeker"])
            continue
        if mine_certificate.expires_on is not None and (
            certificate.expires_on is None or certificate.expires_on > mine_certificate.expires_on
        ):
            # The later certificate wins whole: its number and issue date go with its expiry.
            mine_certificate.expires_on = certificate.expires_on
            mine_certificate.number = certificate.number or mine_certificate.number
            mine_certificate.issued_on = certificate.issued_on or mine_certificate.issued_on
            mine_certificate.save(update_fields=["expires_on", "number", "issued_on"])
        certificate.delete()

    # Unique identifiers move after they leave the duplicate.
    moved_phone = duplicate.phone if not keep.phone else None
    moved_identity = (
        {field: getattr(duplicate, field) for field in _IDENTITY_FIELDS}
        if duplicate.id_number_hash and not keep.id_number_hash
        else {}
    )
    duplicate.phone = None
    # The number lives on in the kept record only: the merged one can no longer reveal it.
    duplicate.id_number_hash = None
    duplicate.id_number_encrypted = ""
    duplicate.id_number_masked = ""
    duplicate.merged_into = keep
    duplicate._history_user = by  # type: ignore[attr-defined]
    duplicate.save()
    if moved_phone:
        keep.phone = moved_phone
    for field, value in moved_identity.items():
        setattr(keep, field, value)
    for field in _FILL_IN_FIELDS:
        if getattr(keep, field) is None and getattr(duplicate, field) is not None:
            setattr(keep, field, getattr(duplicate, field))
    keep._history_user = by  # type: ignore[attr-defined]
    keep.save()
    audit_record(
        actor=by,
        action=AuditLog.Action.MERGE,
        object_type=JobSeeker._meta.label_lower,
        object_id=str(keep.pk),
        detail={"merged": duplicate.pk},
    )
    seeker_changed(keep.pk)
    seeker_changed(duplicate.pk)
    return keep


def seeker_registering_station_default(*, by: User | None) -> Station | None:
    """The station a counter clerk works at, when they work at exactly one."""
    staff = getattr(by, "staff", None) if by is not None else None
    if staff is None:
        return None
    stations = list(staff.stations.all()[:2])
    return stations[0] if len(stations) == 1 else None
