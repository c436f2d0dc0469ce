"""Fulfilment errors: each has a stable code and an HTTP status (rendered as {"code", "message", "extra"})."""

from config.errors import ApplicationError, Conflict, NotFound, PermissionDenied


class UnknownCarrier(ApplicationError):
    """A carrier code that is not in the carrier library (``YT0`` for ``YTO``)."""

    code = "unknown_carrier"
    status = 400


class CarrierNotMapped(ApplicationError):
    """The carrier has no code on the platform the order came from."""

    code = "carrier_not_mapped"
    status = 409


class WaveError(Conflict):
    code = "wave_conflict"


class NothingToWave(ApplicationError):
    code = "nothing_to_wave"
    status = 409


class WrongLocation(Conflict):
    code = "wrong_location"


class WrongSKU(Conflict):
    """The scanned SKU does not belong here: refused loudly, the page stays blocked until corrected."""

    code = "wrong_sku"


class WrongQuantity(ApplicationError):
    code = "wrong_quantity"
    status = 400


class PackMismatch(Conflict):
    code = "pack_mismatch"


class ShipmentStateError(Conflict):
    code = "shipment_state"


class LabelBlocked(Conflict):
    """The breaker stopped the label: ``extra`` has ``reason`` (a BlockReason) and the detail."""

    code = "label_blocked"


class NotVisible(NotFound):
    code = "not_found"


class TrackingPayloadInvalid(ApplicationError):
    code = "tracking_payload_invalid"
    status = 400


class TrackingRateLimited(ApplicationError):
    code = "rate_limited"
    status = 429


class TrackingPushRefused(PermissionDenied):
    """A tracking push with a missing or wrong ``X-Tracking-Token`` (``bad_token``), or from someone who is not
    staff while no token is configured (``not_configured``)."""

    code = "bad_token"
