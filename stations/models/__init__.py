from __future__ import annotations

from stations.models.registry import (
    AVAILABILITY_ALL,
    AVAILABILITY_SLOTS,
    Employer,
    JobPost,
    JobSeeker,
    SeekerKeyGroup,
    SeekerSkill,
)
from stations.models.taxonomies import KeyGroup, Occupation, Region

__all__ = [
    "AVAILABILITY_ALL",
    "AVAILABILITY_SLOTS",
    "Employer",
    "JobPost",
    "JobSeeker",
    "KeyGroup",
    "Occupation",
    "Region",
    "SeekerKeyGroup",
    "SeekerSkill",
]
