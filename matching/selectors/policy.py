"""Which matching policy applies where."""

from __future__ import annotations

from matching.engine import MatchConfig
from matching.models import MatchingPolicy
from stations.models import Region


def config_for_region(region: Region) -> MatchConfig:
    """The policy of ``region`` or of the nearest region above it that has one; the engine's
    defaults when none has."""
    codes = region.path.strip("/").split("/")
    policies = {
        policy.region.code: policy
        for policy in MatchingPolicy.objects.filter(region__code__in=codes).select_related("region")
    }
    for code in reversed(codes):
        if code in policies:
            return policies[code].as_config()
    return MatchConfig()
