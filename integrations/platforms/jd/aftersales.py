"""JD after-sales as cases: refund applications (退款审核单) and after-sales service orders (售后服务单).

JD keeps the two apart, and so does Order Hub's JD adapter:

- a **refund application** is the buyer's request to cancel a paid order and get the money back before it ships
  (POP 取消订单退款). It is read from ``jingdong.pop.afs.soa.refundapply.queryPageList`` (退款审核单列表查询,
  https://open.jd.com/home/home#/doc/api?apiCateId=71&apiId=925, JOS API 13151): ``queryResult`` ``{totalCount,
  result[], success, errorCode, errorMsg}``, each result a ``RefundApplyVo`` ``{id, buyerId, buyerName, checkTime,
  applyTime, applyRefundSum, status, checkUserName, orderId, checkRemark, reason, systemId, storeId, skuVoList,
  partRefundType}`` (field names as in JD's Java SDK ``com.jd.open.api.sdk.domain.refundapply``; ``applyRefundSum``
  in fen as the JOS page states; ``status`` 0 未审核, 1 审核通过, 2 审核不通过, 3 京东财务审核通过, 4 京东财务审核
  不通过, 5 人工审核通过, 6 拦截并退款, 7 青龙拦截成功, 8 青龙拦截失败, 9 强制关单并退款, as JD's SDK documents the
  request's ``status`` filter). It is a refund-only case, answered with ``replyRefund``;
- a **service order** is a return, exchange or repair of delivered goods, read from ``jingdong.asc.query.list``
  (根据条件查询服务单, https://open.jd.com/home/home#/doc/api?apiCateId=241&apiId=2136): ``pageResult``
  ``{success, code, msg, data[], pageSize, pageNumber, totalCount}``, each item a ``ServiceBrief`` (JD's Java SDK
  ``…shangjiashouhou.ServiceQueryProvider.response.list``) with ``serviceId``, ``orderId``, ``customerExpect``,
  ``serviceStatus``, ``applyTime``, ``updateDate``, ``questionTypeCid1Name``, ``actualPayPrice`` (yuan,
  ``BigDecimal``), ``serviceCount``, ``sysVersion``, ``skuId``, ``wareName``. ``customerExpect`` 10 退货, 20 换货,
  30 维修 are JD's after-sales service types as JD's after-sales documents number them; a repair has no case kind of
  its own and is a return of the goods, as on Pinduoduo.

Not verified (the JOS pages themselves could not be read here): the meaning of every ``serviceStatus`` value of
the asc API. Order Hub reads two of JD's after-sales states — 20 审核不通过 (the return was refused: the case is
rejected) and 60 取消 (the buyer cancelled: withdrawn) — and keeps every other state an open request, so a state
it does not know never settles money. Whether ``actualPayPrice`` is per unit or for the service order's whole
quantity is not stated in the SDK; the case's amount is what it says, for staff to check when they decide.
Dates come as ``yyyy-MM-dd HH:mm:ss`` (Beijing time) or as epoch milliseconds (JD's JSON for ``java.util.Date``);
both are read.

Each record is one inbox message (topic ``jd.refund_apply`` or ``jd.service_order``), stored by the poll
(``JDClient.aftersales_page``) or received as a relayed push carrying the record and its ``topic``; the same record
twice is stored once, and a record that changes nothing changes nothing (``refund_record`` is idempotent by the
platform's id).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from aftersales.channel import RefundInput
from integrations.exceptions import PayloadInvalid
from integrations.mapping import convert
from integrations.platforms.base import RefundEvent
from integrations.platforms.common import whole_or_none

REFUND_APPLY_TOPIC = "jd.refund_apply"
SERVICE_ORDER_TOPIC = "jd.service_order"
TOPICS = frozenset({REFUND_APPLY_TOPIC, SERVICE_ORDER_TOPIC})

# queryPageList ``status`` → the case's status. Agreed (1, 5), passed by JD's finance (3), intercepted or closed
# with the money back (6, 7, 9): JD refunds the buyer itself, no "refunded" notice follows. A failed interception
# (8) still waits for the merchant.
REFUND_APPLY_STATUSES = {
    0: "requested",
    1: "refunded",
    2: "rejected",
    3: "refunded",
    4: "rejected",
    5: "refunded",
    6: "refunded",
    7: "refunded",
    8: "requested",
    9: "refunded",
}
# jingdong.asc ``customerExpect`` → the case's kind; an exchange moves no money.
SERVICE_KINDS = {10: "return_refund", 20: "exchange", 30: "return_refund"}
# The service order states Order Hub reads (see above); every other one is an open request.
SERVICE_STATUSES = {20: "rejected", 60: "withdrawn"}
NO_MONEY = frozenset({"exchange"})


def refund_apply_event(record: Any) -> RefundEvent:
    """One ``RefundApplyVo`` of ``queryPageList`` → the refund-only case it opens or moves."""
    record = _object(record, REFUND_APPLY_TOPIC)
    refund_id = _required(record, "id", REFUND_APPLY_TOPIC)
    order_id = _required(record, "orderId", REFUND_APPLY_TOPIC)
    state = whole_or_none(record.get("status"), "status")
    status = REFUND_APPLY_STATUSES.get(0 if state is None else state)
    if status is None:
        raise PayloadInvalid(
            _("%(topic)s %(refund_id)s: status %(status)r is not a JD refund application status (0-9).")
            % {"topic": REFUND_APPLY_TOPIC, "refund_id": refund_id, "status": record.get("status")},
            extra={"field": "status"},
        )
    money = record.get("applyRefundSum")
    amount = convert(0 if money in (None, "") else money, "fen", field="applyRefundSum")
    requested_at = _moment(record.get("applyTime"), "applyTime")
    checked_at = _moment(record.get("checkTime"), "checkTime")
    reason = str(record.get("reason") or "").strip() or f"jd refund application {refund_id}"
    return RefundEvent(
        external_id=order_id,
        refund=RefundInput(
            external_id=refund_id,
            amount=amount,
            status=status,
            kind="refund_only",
            reason=reason[:500],
            requested_at=requested_at,
            refunded_at=(checked_at or requested_at) if status == "refunded" else None,
        ),
    )


def service_order_event(record: Any) -> RefundEvent:
    """One ``ServiceBrief`` of ``jingdong.asc.query.list`` → the return / exchange case it opens or moves."""
    record = _object(record, SERVICE_ORDER_TOPIC)
    service_id = _required(record, "serviceId", SERVICE_ORDER_TOPIC)
    order_id = _required(record, "orderId", SERVICE_ORDER_TOPIC)
    expect = whole_or_none(record.get("customerExpect"), "customerExpect")
    kind = SERVICE_KINDS.get(10 if expect is None else expect)
    if kind is None:
        raise PayloadInvalid(
            _(
                "%(topic)s %(service_id)s: customerExpect %(customerExpect)r is not a JD service type Order Hub "
                "handles (10 退货, 20 换货, 30 维修)."
            )
            % {"topic": SERVICE_ORDER_TOPIC, "service_id": service_id, "customerExpect": record.get("customerExpect")},
            extra={"field": "customerExpect"},
        )
    state = whole_or_none(record.get("serviceStatus"), "serviceStatus")
    price = record.get("actualPayPrice")
    amount = (
        Decimal("0.00") if kind in NO_MONEY or price in (None, "") else convert(price, "yuan", field="actualPayPrice")
    )
    question = str(record.get("questionTypeCid1Name") or record.get("customerExpectName") or "").strip()
    ware = str(record.get("wareName") or "").strip()
    reason = " · ".join(part for part in (question, ware) if part) or f"jd service order {service_id}"
    return RefundEvent(
        external_id=order_id,
        refund=RefundInput(
            external_id=service_id,
            amount=amount,
            status=SERVICE_STATUSES.get(state, "requested") if state is not None else "requested",
            kind=kind,
            reason=reason[:500],
            requested_at=_moment(record.get("applyTime"), "applyTime"),
        ),
    )


def _object(record: Any, topic: str) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise PayloadInvalid(
            _("%(topic)s: expected a JSON object, got %(type)s.") % {"topic": topic, "type": type(record).__name__}
        )
    return record


def _required(record: dict[str, Any], key: str, topic: str) -> str:
    value = record.get(key)
    text = "" if value is None else str(value).strip()
    if not text:
        raise PayloadInvalid(_("%(topic)s: %(key)s is missing.") % {"topic": topic, "key": key}, extra={"field": key})
    return text


def _moment(value: Any, field: str) -> dt.datetime | None:
    """A JD date: ``yyyy-MM-dd HH:mm:ss`` in Beijing time, or epoch milliseconds; None when absent."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) or str(value).strip().isdigit():
        return convert(int(value) // 1000, "epoch", field=field)
    return convert(value, "datetime", field=field)
