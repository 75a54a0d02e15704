from __future__ import annotations

from stations.models.accounts import LoginCode
from stations.models.common import AVAILABILITY_ALL, AVAILABILITY_SLOTS
from stations.models.employers import Employer
from stations.models.organisation import Staff, Station
from stations.models.placements import (
    CLOSED_STATUSES,
    HOLDS_OPENING,
    OPEN_CLAIM_STATUSES,
    Application,
    ApplicationEvent,
    Placement,
    WageClaim,
    WagePayment,
)
from stations.models.posts import JobPost
from stations.models.seekers import JobSeeker, SeekerCertificate, SeekerKeyGroup, SeekerSkill
from stations.models.taxonomies import CertificateKind, KeyGroup, Occupation, Region

__all__ = [
    "AVAILABILITY_ALL",
    "AVAILABILITY_SLOTS",
    "CLOSED_STATUSES",
    "HOLDS_OPENING",
    "OPEN_CLAIM_STATUSES",
    "Application",
    "ApplicationEvent",
    "CertificateKind",
    "Employer",
    "JobPost",
    "JobSeeker",
    "KeyGroup",
    "LoginCode",
    "Occupation",
    "Placement",
    "Region",
    "SeekerCertificate",
    "SeekerKeyGroup",
    "SeekerSkill",
    "Staff",
    "Station",
    "WageClaim",
    "WagePayment",
]
