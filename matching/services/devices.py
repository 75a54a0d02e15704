"""The phones and WeChat accounts a seeker's messages go to."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from matching.models import Device
from stations.models import JobSeeker


@transaction.atomic
def device_register(*, seeker: JobSeeker, kind: str, token: str) -> Device:
    """Where this seeker's pushes go from now. A token is one device: registered again by
    another seeker (a phone changed hands, another account logged in on it) it moves to them,
    so a person never receives another's messages."""
    token = token.strip()
    if not token:
        raise DomainError(_("The device token is empty."), field_errors={"token": ["required"]})
    device = Device.objects.select_for_update().filter(kind=kind, token=token).first() or Device(
        kind=kind, token=token, seeker=seeker
    )
    device.seeker, device.active = seeker, True
    try:
        device.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise DomainError.from_validation_errors(error, _("The device is not valid.")) from error
    try:
        with transaction.atomic():
            device.save()
    except IntegrityError:
        # The same token registered a moment ago by a concurrent request: take it over.
        Device.objects.filter(kind=kind, token=token).update(seeker=seeker, active=True)
        device = Device.objects.get(kind=kind, token=token)
    return device


def device_forget(*, device: Device) -> None:
    """The app logged out or the person turned notifications off on this device."""
    Device.objects.filter(pk=device.pk).update(active=False)
