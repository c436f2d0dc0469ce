"""Texts the orders app wrote out in English before they were stored as messages (``config.messages``): a row
that carries one is shown in the reader's language as well (``message_recognise``). Each is the message its
writer now stores; a ``Written`` says how the English differed or which of its values were messages too. The
first that fits wins, so a form that another would swallow comes before it."""

from config.messages import Written, message_list_written
from inventory.services.reservation import SHORTAGE

# What a platform's status step said (orders.channel), alone or inside a longer reason.
_PLATFORM_STATUS = ("platform status %(status)s", "platform")

# What the health score held against an order (orders.health), each "−points why", "(blocking)" when it caps.
_HEALTH_WHY = (
    "no consignee name",
    "no phone",
    "implausible phone (%(length)s characters)",
    "no province",
    "no city",
    "no district",
    "no detail address",
    "detail address under 5 characters",
    "no house number in the detail address",
    "discounts are %(share)s of the goods",
    "platform and merchant discounts stacked beyond %(limit)s",
    "line discounts %(lines)s ≠ order discounts %(order)s",
    "paid without a payment time",
    "nothing paid for the goods",
    "paid %(paid)s ≠ expected %(expected)s",
    "no payment method",
    "paid before it was placed",
    "no warehouse",
    "inactive SKU %(sku)s",
    "presale item without presale terms",
    "%(count)s line(s) hold no stock reservation",
    "%(count)s other orders from this phone in 24 h",
    "%(count)s refunds for this phone in 90 days",
    "%(count)s refund(s) for this phone in 90 days",
    "address changed %(count)s times",
    "remark mentions %(words)s",
    "new buyer (VIP 0) paying over 2000",
)
_HEALTH_POINTS = (
    Written("−%(points)s %(why)s (blocking)", parts={"points": r"\d+"}, messages={"why": _HEALTH_WHY}),
    Written("−%(points)s %(why)s", parts={"points": r"\d+"}, messages={"why": _HEALTH_WHY}),
)

# An order that could not reserve its stock: what was short, one SKU × pool after the other (inventory's
# ReserveResult.describe; SKU codes hold no ";").
_OUT_OF_STOCK = Written(
    "out of stock: %(shortage)s",
    messages={"shortage": message_list_written((Written(SHORTAGE, parts={"pool": r"\w+"}),), 20)},
)

# A review task's reason (ReviewTask.reason) the system wrote: the health score's summary (its four worst
# points), or "rules" when the rules asking for the review had neither a note nor names.
REVIEW_REASONS_WRITTEN_BEFORE = (
    Written(
        "health %(score)s/100: %(points)s",
        parts={"score": r"\d+"},
        messages={"points": message_list_written(_HEALTH_POINTS, 4)},
    ),
    Written("health %(score)s/100", parts={"score": r"\d+"}),
    "rules",
)

# Timeline reasons (OrderEvent.reason).
REASONS_WRITTEN_BEFORE = (
    "review rejected: %(note)s",
    Written("review approved: %(reason)s", messages={"reason": REVIEW_REASONS_WRITTEN_BEFORE}),
    "hold released: %(note)s",
    "hold released",
    "platform: remarks changed",
    "presale balance paid",
    "stock arrived: reserved",
    _OUT_OF_STOCK,
    "address changed: %(fields)s",
    Written(  # a partial refund settled: before "after-sales %(number)s", which would take the whole rest
        "after-sales %(number)s: %(why)s",
        parts={"number": r"\S+"},
        messages={"why": ("money only, the goods ship as ordered", "its units taken off, the rest ships")},
    ),
    "after-sales %(number)s",
    "wave %(number)s cancelled %(reason)s",  # before "wave %(number)s", which would take the whole rest
    "wave %(number)s",
    "merged into %(number)s",
    "units cancelled: %(reason)s",
    "units cancelled",
    "source=api",
    "source=webhook",
    "source=poll",
    "source=import",
    "source=manual",
    "source=demo",
    "platform: consignee/address changed",
    "platform changed the address after approval",
    "platform reports an address change after shipping; not applied",
    "platform: lines/amounts changed before payment",
    "presale: balance %(balance)s unpaid (the platform sets the deadline)",
    "presale: balance %(balance)s due by %(due)s",
    "presale deposit paid",
    "presale balance not paid by the deadline",
    "consignee data anonymised (retention period over)",
    # a status step that needs a person, after the step's own reason (before "platform status %(status)s")
    Written(
        "%(reason)s: the platform closed the order but it is already %(status)s; check the parcel",
        messages={"reason": _PLATFORM_STATUS},
    ),
    Written("%(reason)s: the platform says the goods left outside Order Hub", messages={"reason": _PLATFORM_STATUS}),
    *_PLATFORM_STATUS,
    "platform: refund requested",
    "platform: refund rejected or withdrawn",
    # what the rules changed (orders.rules.services.RULES_CHANGED): the versions, then the changes, codes only
    Written("rules %(versions)s: %(changes)s", parts={"versions": "[^:]*"}),
)

# A review task's decision note (ReviewTask.decision_note) the system wrote: closed with its order (the order's
# reason inside it), by another task's rejection, by a release without a note, or by a merge.
DECISION_NOTES_WRITTEN_BEFORE = (
    Written("order cancelled: %(reason)s", messages={"reason": REASONS_WRITTEN_BEFORE}),
    "order cancelled",
    Written("order closed: %(reason)s", messages={"reason": REASONS_WRITTEN_BEFORE}),
    "order closed",
    Written("order rejected in review task %(task)s", parts={"task": r"\d+"}),
    "hold released",
    Written("merged into %(number)s", parts={"number": r"\S+"}),
)

# A parcel's shipping on the timeline (a move to shipped) was its carrier's code and tracking number.
SHIPPED_WRITTEN_BEFORE = (
    Written(
        "shipped with %(carrier)s, tracking number %(tracking)s",
        text="%(carrier)s %(tracking)s",
        parts={"carrier": "[A-Z0-9]{2,16}", "tracking": r"\S+"},  # fulfilment.models.carriers.CARRIER_CODE_SHAPE
    ),
)

# An order's hold note (Order.hold_note): the reason of the move on hold — a review's, or one of these.
HOLD_NOTES_WRITTEN_BEFORE = (
    *REVIEW_REASONS_WRITTEN_BEFORE,
    _OUT_OF_STOCK,
    "after-sales %(number)s",
    "presale: balance %(balance)s unpaid (the platform sets the deadline)",
    "presale: balance %(balance)s due by %(due)s",
    "platform changed the address after approval",
    "platform: refund requested",
)
