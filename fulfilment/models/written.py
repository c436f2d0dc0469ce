"""Texts the fulfilment app stores as messages (``config.messages``) where its models read them back, and how
rows wrote them out before they were stored so: a row that carries one of these in English is shown in the
reader's language as well (``message_recognise``). The first that fits wins."""

from django.utils.translation import gettext_noop

from config.messages import Written, message_label
from config.sweep import CLAIM_EXPIRED
from fulfilment.geo import ADDRESS_PROBLEMS
from fulfilment.models.accounts import WaybillProvider
from orders.models.shops import Platform

# Why the label breaker stops a parcel (Shipment.block_message, WaybillAttempt.message).
BLOCKED_PLATFORM_WAYBILL = gettext_noop(
    "%(platform)s encrypts this order's receiver: only %(service)s may print it. Add a %(service)s account for "
    "%(carrier)s on shop %(shop)s under E-waybill accounts, or choose a carrier that has one."
)
BLOCKED_CARRIER_INACTIVE = gettext_noop("%(c)s is not active.")
BLOCKED_ADDRESS = gettext_noop("Address cannot be parsed: %(p)s.")
BLOCKED_OVERWEIGHT = gettext_noop(
    "%(w)s kg is over %(c)s's limit of %(m)s kg: choose a freight carrier or split the parcel."
)
BLOCKED_NOT_MAPPED = gettext_noop(
    "%(carrier)s has no carrier code on %(platform)s: set it under Carriers before shipping with it."
)
BLOCKED_NO_BALANCE = gettext_noop(
    "%(provider)s · %(carrier)s · %(branch)s has no waybill numbers left (%(n)s): top it up with the carrier's "
    "branch or choose another carrier."
)
SUBSCRIPTION_ENDED = gettext_noop("subscription ended")
BLOCKED_WAYBILL_FAILED = gettext_noop("E-waybill request to %(c)s failed: %(m)s")
# A number issued for a parcel that changed meanwhile (WaybillAttempt.message, WaybillCancellation.reason).
PARCEL_CHANGED = gettext_noop("parcel changed while the label was requested")

_PLATFORMS = tuple(message_label(label) for label in Platform.labels)
_PROVIDERS = tuple(message_label(label) for label in WaybillProvider.labels)

# A parcel's block message, as the breaker wrote it in English before (old rows were written in the language
# of whoever asked for the label; only the English ones are recognised).
BLOCK_MESSAGES_WRITTEN_BEFORE = (
    Written(BLOCKED_PLATFORM_WAYBILL, messages={"platform": _PLATFORMS, "service": _PROVIDERS}),
    Written(BLOCKED_ADDRESS, messages={"p": ADDRESS_PROBLEMS}),
    Written(BLOCKED_OVERWEIGHT, parts={"w": r"\d+\.\d", "m": r"\d+\.\d"}),
    BLOCKED_NOT_MAPPED,
    Written(
        BLOCKED_NO_BALANCE,
        parts={"provider": "[^·]+", "carrier": r"\d+"},
        messages={"provider": _PROVIDERS, "n": (SUBSCRIPTION_ENDED,)},
    ),
    BLOCKED_WAYBILL_FAILED,
    BLOCKED_CARRIER_INACTIVE,
)

# Why a number is given back (WaybillCancellation.reason).
CANCELLATION_REASONS_WRITTEN_BEFORE = (PARCEL_CHANGED,)

# Why an e-waybill service could not take a request, in Order Hub's words (the carrier's own answer is quoted as it
# gave it): ShipmentInterception.message, WaybillCancellation.error, and inside BLOCKED_WAYBILL_FAILED.
INTERCEPT_CLOUD_PRINT_ONLY = gettext_noop(
    "%(service)s's e-waybill API (%(api)s) documents issuing and cancelling numbers only; a parcel on its way is "
    "intercepted by the carrier: ask its branch (%(tracking_number)s)."
)
INTERCEPT_KUAIDI100 = gettext_noop(
    "Kuaidi100's e-waybill API (label/order: order, cancel) documents no interception; a parcel on its way is "
    "intercepted by the carrier: ask its branch (%(tracking_number)s)."
)
INTERCEPT_JD_OTHER_CARRIER = gettext_noop(
    "JD intercepts JD Logistics parcels only; ask %(carrier)s's branch to intercept %(tracking_number)s"
)
SHOP_CONNECTION_MISSING = gettext_noop("the shop of this e-waybill account has no enabled platform connection")
SERVICE_CONNECTION_MISSING = gettext_noop("no enabled %(service)s connection is configured")
PROVIDER_MISSING = gettext_noop("no adapter is installed for the e-waybill service '%(service)s'")
CARRIER_UNREACHABLE = gettext_noop("carrier API not reachable: %(error)s")
CANCEL_REFUSED = gettext_noop("%(service)s did not cancel %(tracking_number)s")
SERVICE_TEXTS = (
    CANCEL_REFUSED,
    INTERCEPT_CLOUD_PRINT_ONLY,
    INTERCEPT_KUAIDI100,
    INTERCEPT_JD_OTHER_CARRIER,
    SHOP_CONNECTION_MISSING,
    SERVICE_CONNECTION_MISSING,
    PROVIDER_MISSING,
    CARRIER_UNREACHABLE,
)

# The service's answer to an interception (ShipmentInterception.message) as Order Hub wrote it in English before:
# why the service offers none or could not be reached (rows written in another language show as written, and so
# does the carrier's own answer).
INTERCEPTION_MESSAGES_WRITTEN_BEFORE = SERVICE_TEXTS

# Why a label did not print, in Order Hub's words (LabelPrint.message; the print component's own ``msg`` is kept as
# it gave it): the print page found no component on the computer, or the component said "failed" without a word.
COMPONENT_NOT_RUNNING = gettext_noop("The print component is not running on this computer.")
PRINT_FAILED_UNSAID = gettext_noop("the print component reported a failure without saying why")
# As the page wrote them before (the first in the page's language: only the English is recognised).
LABEL_PRINT_MESSAGES_WRITTEN_BEFORE = (COMPONENT_NOT_RUNNING, Written(PRINT_FAILED_UNSAID, text="failed"))

# Why a number could not be given back (WaybillCancellation.error): the service's error code and what it said, or a
# worker that never finished (config.sweep).
CANCEL_FAILED = gettext_noop("%(code)s: %(error)s")
CANCELLATION_ERRORS_WRITTEN_BEFORE = (
    Written(CANCEL_FAILED, parts={"code": r"[\w.-]+"}, messages={"error": (*SERVICE_TEXTS, BLOCKED_NOT_MAPPED)}),
    CLAIM_EXPIRED,
)

# What an e-waybill attempt came to (WaybillAttempt.message): the block message of a refused one, or a number
# issued for a parcel that changed meanwhile (always in English).
ATTEMPT_MESSAGES_WRITTEN_BEFORE = (PARCEL_CHANGED, *BLOCK_MESSAGES_WRITTEN_BEFORE)
