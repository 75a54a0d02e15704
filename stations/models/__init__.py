from __future__ import annotations

from stations.models.accounts import LoginCode
from stations.models.common import AVAILABILITY_ALL, AVAILABILITY_SLOTS
from stations.models.dispatch import QueueMove, SignIn
from stations.models.employers import Employer
from stations.models.fairs import Booth, FairRegistration, Intention, JobFair
from stations.models.followup import (
    Family,
    GuidanceSession,
    OverdueRule,
    ServicePlan,
    ServiceRecord,
    TrainingCourse,
    TrainingReferral,
    ZeroEmploymentAlert,
)
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
    "Booth",
    "CertificateKind",
    "Employer",
    "FairRegistration",
    "Family",
    "GuidanceSession",
    "Intention",
    "JobFair",
    "JobPost",
    "JobSeeker",
    "KeyGroup",
    "LoginCode",
    "Occupation",
    "OverdueRule",
    "Placement",
    "QueueMove",
    "Region",
    "SeekerCertificate",
    "SeekerKeyGroup",
    "SeekerSkill",
    "ServicePlan",
    "ServiceRecord",
    "SignIn",
    "Staff",
    "Station",
    "TrainingCourse",
    "TrainingReferral",
    "WageClaim",
    "WagePayment",
    "ZeroEmploymentAlert",
]
