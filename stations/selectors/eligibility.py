"""Whether a seeker may take a post: certificates (and, in matching, the other filters)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from stations.models import CertificateKind, JobPost, JobSeeker, SeekerCertificate


def valid_certificates(*, seeker: JobSeeker, on: dt.date) -> QuerySet[SeekerCertificate]:
    """The certificates ``seeker`` holds on ``on``: issued by then and not yet expired."""
    return seeker.certificates.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=on),
        Q(issued_on__isnull=True) | Q(issued_on__lte=on),
    )


def missing_certificates(*, seeker: JobSeeker, post: JobPost, on: dt.date) -> list[CertificateKind]:
    """The certificates ``post`` requires that ``seeker`` does not hold valid on ``on``."""
    held = valid_certificates(seeker=seeker, on=on).values_list("kind_id", flat=True)
    return list(post.required_certificates.exclude(pk__in=held).order_by("code"))


def certificates_expiring(*, within_days: int, today: dt.date) -> QuerySet[SeekerCertificate]:
    """Certificates that expire in the next ``within_days`` days, soonest first."""
    return (
        SeekerCertificate.objects.filter(
            expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=within_days)
        )
        .select_related("seeker", "kind")
        .order_by("expires_on", "seeker__full_name")
    )
