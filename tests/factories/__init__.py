"""factory_boy factories for Order Hub's models, and ``make_order`` which goes through the real service."""

from tests.factories.aftersales import (
    ApprovalTierFactory,
    CaseEventFactory,
    CaseEvidenceFactory,
    CaseFactory,
    CaseLineFactory,
    RiskPolicyFactory,
    make_case,
)
from tests.factories.finance import LegalEntityFactory, StatementFactory, StatementLineFactory
from tests.factories.fulfilment import ShipmentFactory, TrackingEventFactory, WaybillAccountFactory, library_carrier
from tests.factories.integrations import InboxMessageFactory, LogisticsConnectionFactory, ShopConnectionFactory
from tests.factories.inventory import SKUFactory, WarehouseFactory
from tests.factories.orders import ShopFactory, UserFactory, make_order, order_input

__all__ = [
    "ApprovalTierFactory",
    "CaseEventFactory",
    "CaseEvidenceFactory",
    "CaseFactory",
    "CaseLineFactory",
    "RiskPolicyFactory",
    "make_case",
    "InboxMessageFactory",
    "LegalEntityFactory",
    "LogisticsConnectionFactory",
    "SKUFactory",
    "ShipmentFactory",
    "ShopConnectionFactory",
    "ShopFactory",
    "StatementFactory",
    "StatementLineFactory",
    "TrackingEventFactory",
    "UserFactory",
    "WaybillAccountFactory",
    "WarehouseFactory",
    "library_carrier",
    "make_order",
    "order_input",
]
