"""Stable error codes of the devices app (see docs/api.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import ApplicationError, Conflict, ValidationFailed


class InvalidDevice(ValidationFailed):
    default_code = "device_invalid"
    default_message = _("Check the device details.")


class DeviceRetired(Conflict):
    default_code = "device_retired"
    default_message = _("This device has been retired.")


class DeviceCredentialsInvalid(ApplicationError):
    status = 401
    default_code = "device_credentials_invalid"
    default_message = _("The device or gateway credentials are not valid.")


class BatchTooLarge(ValidationFailed):
    default_code = "device_batch_too_large"
    default_message = _("Send at most 500 messages in one batch.")


class IngestionUnavailable(ApplicationError):
    status = 503
    default_code = "ingestion_unavailable"
    default_message = _("Readings cannot be stored right now; send the batch again later.")
