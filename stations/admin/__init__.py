"""The staff web admin: one module per area, each registering its model admins."""

from stations.admin import (  # noqa: F401 - imported to register
    applications,
    dispatch,
    employers,
    fairs,
    followup,
    organisation,
    posts,
    reference,
    seekers,
    wages,
)
