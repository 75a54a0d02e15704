"""Employers, posts and placements, row by row through the services (their volumes are
small): each row in a savepoint, the whole file in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from stations.imports.base import (
    ImportReport,
    Outcome,
    Problem,
    Row,
    RowError,
    RowImporter,
    choice,
    optional_bool,
    optional_date,
    optional_decimal,
    optional_float,
    optional_int,
    required,
)
from stations.models import (
    HOLDS_OPENING,
    Application,
    Employer,
    JobPost,
    JobSeeker,
    Occupation,
    Region,
    Station,
)
from stations.models.employers import EmployerKind
from stations.models.placements import ApplicationStatus, EmploymentOutcome
from stations.models.posts import PostKind, PostStatus, Settlement, WageUnit
from stations.services.applications import (
    PlacementTerms,
    application_create,
    application_hire,
    placement_complete,
    placement_start,
)
from stations.services.employers import employer_register, employer_update, employer_verify
from stations.services.identity import id_number_hash
from stations.services.posts import post_create, post_move, post_update
from stations.validators import normalize_mobile_phone


def _region(row: Row, column: str = "region") -> Region:
    code = required(row, column)
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise RowError(_("no region has the code %(code)s") % {"code": code}, column=column)
    return region


def _station(row: Row, column: str) -> Station | None:
    code = row.get(column, "")
    if not code:
        return None
    station = Station.objects.filter(code=code).first()
    if station is None:
        raise RowError(_("no station has the code %(code)s") % {"code": code}, column=column)
    return station


def _employer_by_key(row: Row, prefix: str = "") -> Employer | None:
    credit_code = row.get(f"{prefix}credit_code", "").upper()
    owner_id = row.get(f"{prefix}owner_id_number", "")
    if credit_code:
        return Employer.objects.filter(credit_code=credit_code).first()
    if owner_id:
        return Employer.objects.filter(id_number_hash=id_number_hash(owner_id)).first()
    raise RowError(
        _("give the credit code or the owner's ID number"), column=f"{prefix}credit_code"
    )


def import_employer_row(row: Row, *, by: User | None, now: dt.datetime) -> Outcome:
    employer = _employer_by_key(row)
    details: dict[str, Any] = {
        "name": required(row, "name"),
        "kind": choice(row, "kind", EmployerKind),
        "contact_name": row.get("contact_name", ""),
        "region": _region(row),
        "latitude": optional_float(row, "latitude"),
        "longitude": optional_float(row, "longitude"),
        "registering_station": _station(row, "registering_station"),
    }
    phone = row.get("contact_phone") or None
    verified = optional_bool(row, "verified")
    if employer is None:
        employer = employer_register(
            by=by,
            now=now,
            credit_code=row.get("credit_code") or None,
            owner_id_number=row.get("owner_id_number") or None,
            contact_phone=phone,
            **details,
        )
        if verified:
            employer_verify(employer=employer, by=by, now=now)
        return "created"
    changed = {name: value for name, value in details.items() if getattr(employer, name) != value}
    if phone and normalize_mobile_phone(phone) != employer.contact_phone:
        changed["contact_phone"] = phone
    if changed:
        employer_update(employer=employer, by=by, now=now, **changed)
    if verified and employer.verified_at is None:
        employer_verify(employer=employer, by=by, now=now)
        return "updated"
    return "updated" if changed else "unchanged"


def import_post_row(row: Row, *, by: User | None, now: dt.datetime) -> Outcome:
    reference = required(row, "reference")
    employer = _employer_by_key(row, prefix="employer_")
    if employer is None:
        raise RowError(
            _("no employer has this credit code or ID number"), column="employer_credit_code"
        )
    code = required(row, "occupation")
    occupation = Occupation.objects.filter(code=code, level=Occupation.Level.TRADE).first()
    if occupation is None:
        raise RowError(_("no trade has the code %(code)s") % {"code": code}, column="occupation")
    starts_on = optional_date(row, "starts_on")
    ends_on = optional_date(row, "ends_on")
    if starts_on is None or ends_on is None:
        raise RowError(_("is required"), column="starts_on" if starts_on is None else "ends_on")
    wage = optional_decimal(row, "wage_amount")
    if wage is None or wage <= 0:
        raise RowError(_("must be more than zero"), column="wage_amount")
    fields: dict[str, Any] = {
        "employer": employer,
        "title": required(row, "title"),
        "occupation": occupation,
        "wage_amount": wage,
        "wage_unit": choice(row, "wage_unit", WageUnit),
        "starts_on": starts_on,
        "ends_on": ends_on,
        "region": _region(row),
        "station": _station(row, "station"),
        "kind": choice(row, "kind", PostKind, PostKind.ODD_JOB),
        "openings": optional_int(row, "openings", 1),
        "settlement": choice(row, "settlement", Settlement, Settlement.DAILY),
        "latitude": optional_float(row, "latitude"),
        "longitude": optional_float(row, "longitude"),
        "take_home": bool(optional_bool(row, "take_home")),
    }
    wanted_status = choice(row, "status", PostStatus, PostStatus.DRAFT)
    if wanted_status not in (PostStatus.DRAFT, PostStatus.OPEN):
        raise RowError(_("an imported post is draft or open"), column="status")
    post = JobPost.objects.filter(reference=reference).first()
    if post is None:
        post = post_create(reference=reference, by=by, **fields)
        if wanted_status == PostStatus.OPEN:
            post_move(post=post, to=PostStatus.OPEN, by=by, now=now)
        return "created"
    changed = {name: value for name, value in fields.items() if getattr(post, name) != value}
    if changed:
        post_update(post=post, by=by, **changed)
    if wanted_status == PostStatus.OPEN and post.status == PostStatus.DRAFT:
        post_move(post=post, to=PostStatus.OPEN, by=by, now=now)
        return "updated"
    return "updated" if changed else "unchanged"


def _seeker(row: Row) -> JobSeeker:
    id_number = row.get("seeker_id_number", "")
    phone = row.get("seeker_phone", "")
    seeker = None
    if id_number:
        seeker = JobSeeker.objects.filter(id_number_hash=id_number_hash(id_number)).first()
    elif phone:
        seeker = JobSeeker.objects.filter(phone=normalize_mobile_phone(phone)).first()
    else:
        raise RowError(_("give the seeker's ID number or phone"), column="seeker_id_number")
    if seeker is None:
        raise RowError(_("no seeker has this ID number or phone"), column="seeker_id_number")
    return seeker


_PLACEMENT_STEPS = {
    ApplicationStatus.HIRED: 0,
    ApplicationStatus.STARTED: 1,
    ApplicationStatus.COMPLETED: 2,
}


def import_placement_row(row: Row, *, by: User | None, now: dt.datetime) -> Outcome:
    seeker = _seeker(row)
    reference = required(row, "post_reference")
    post = JobPost.objects.filter(reference=reference).first()
    if post is None:
        raise RowError(
            _("no post has the reference %(reference)s") % {"reference": reference},
            column="post_reference",
        )
    status = choice(row, "status", ApplicationStatus, ApplicationStatus.HIRED)
    if status not in _PLACEMENT_STEPS:
        raise RowError(_("a placement is hired, started or completed"), column="status")
    wage = optional_decimal(row, "agreed_wage_amount")
    starts_on = optional_date(row, "starts_on")
    if wage is None or wage <= 0:
        raise RowError(_("must be more than zero"), column="agreed_wage_amount")
    if starts_on is None:
        raise RowError(_("is required"), column="starts_on")
    terms = PlacementTerms(
        agreed_wage_amount=wage,
        agreed_wage_unit=choice(row, "agreed_wage_unit", WageUnit, post.wage_unit),
        starts_on=starts_on,
        ends_on=optional_date(row, "ends_on"),
        outcome=choice(row, "outcome", EmploymentOutcome),
        written_agreement=bool(optional_bool(row, "written_agreement")),
    )
    application = (
        Application.objects.filter(post=post, seeker=seeker)
        .filter(status__in=[*HOLDS_OPENING])
        .select_related("placement")
        .first()
    )
    created = application is None
    if application is None:
        application = application_create(
            post=post, seeker=seeker, source=Application.Source.COUNTER, by=by, now=now
        )
        placement = application_hire(application=application, terms=terms, by=by, now=now)
    else:
        placement = application.placement
    reached = _PLACEMENT_STEPS[ApplicationStatus(application.status)] if not created else 0
    wanted = _PLACEMENT_STEPS[ApplicationStatus(status)]
    if reached < 1 <= wanted:
        placement_start(placement=placement, by=by, now=now)
    if reached < 2 <= wanted:
        placement_complete(placement=placement, by=by, now=now)
    if created:
        return "created"
    return "updated" if wanted > reached else "unchanged"


def import_row_by_row(
    kind: str,
    rows: list[tuple[int, Row]],
    importer: RowImporter,
    *,
    by: User | None,
    now: dt.datetime,
    good_rows_only: bool,
) -> ImportReport:
    report = ImportReport(kind=kind, rows=len(rows))
    with transaction.atomic():
        for number, row in rows:
            try:
                with transaction.atomic():
                    outcome = importer(row, by=by, now=now)
            except RowError as error:
                report.problems.append(Problem(number, error.column, error.message))
            except DomainError as error:
                column = next(iter(error.field_errors), "")
                report.problems.append(Problem(number, column, error.message))
            else:
                setattr(report, outcome, getattr(report, outcome) + 1)
        if report.problems and not good_rows_only:
            # Nothing of a file with bad rows is written unless asked.
            transaction.set_rollback(True)
            report.created = report.updated = report.unchanged = 0
            return report
    report.written = True
    return report
