"""The sandbox's JD after-sales, in JD's formats (``integrations.platforms.jd.aftersales`` says where they come
from): the generated orders' refund requests as refund applications (``queryPageList``) or, every other one, as a
return service order (``jingdong.asc.query.list`` / ``query.view``), and the merchant's audit refusal of a service
order (``jingdong.asc.audit.refuse``) or its agreement (``jingdong.asc.audit.send``, which needs the return contact,
JD's area ids and the service order's application lines). A refund application or service order moves with the
merchant's decisions (``refunds.STATES``), as on JD."""

from __future__ import annotations

from typing import Any

from integrations.models import ShopConnection
from integrations.sandbox import data
from integrations.sandbox.formats import _fen, _local, _money, order_id
from integrations.sandbox.views import refunds
from integrations.sandbox.views.shared import SandboxError, page_of, window

# The merchant's decisions on a refund application → its queryPageList ``status`` (0 未审核, 1 审核通过, 2 审核不通过).
APPLY_STATUS = {refunds.WAITING: 0, refunds.REFUNDED: 1, refunds.REFUSED: 2, refunds.CLOSED: 0}
# A service order waiting for the merchant's audit, refused by it (审核不通过), and agreed by it (the sandbox's
# stand-in for a state past the audit, which Order Hub keeps an open request).
SERVICE_WAITING, SERVICE_REFUSED, SERVICE_AGREED = 10, 20, 30
# jingdong.asc.audit.send's required return contact and address (JD's SDK ``AscAuditSend``).
SEND_REQUIRED = (
    "returnContactName",
    "returnContactTel",
    "returnZipcode",
    "returnProvince",
    "returnCity",
    "returnCounty",
    "returnDetailAddress",
    "returnAddressType",
)


def is_service_order(order: data.GenOrder) -> bool:
    """Every other refund request of the feed is a return of the goods (a service order), the rest refund
    applications."""
    return (order.seq // 25) % 2 == 1


def refund_apply_id(order: data.GenOrder) -> str:
    return str(5_100_000_000 + order.seq)


def service_id(order: data.GenOrder) -> str:
    return str(6_200_000_000 + order.seq)


def _requests(connection: ShopConnection, body: dict[str, Any], begin: str, end: str, service: bool):
    start, stop = window(body[begin]), window(body[end])
    found = data.modified_between(connection.app_key, start - data.LONGEST_CHANGE, stop)
    return [
        order
        for order in found
        if order.refund_requested_at is not None
        and start <= order.refund_requested_at <= stop
        and is_service_order(order) == service
    ]


def _checked(connection: ShopConnection, start, stop) -> list[data.GenOrder]:
    found = []
    for (app_key, refund_id), moment in sorted(refunds.DECIDED.items()):
        seq = int(refund_id) - 5_100_000_000 if refund_id.isdigit() else -1
        if app_key != connection.app_key or seq < 0 or not start <= moment <= stop:
            continue
        order = data.generate(app_key, seq)
        if order is not None and order.refund_requested_at is not None and not is_service_order(order):
            found.append(order)
    return found


def refund_apply(connection: ShopConnection, order: data.GenOrder) -> dict[str, Any]:
    refund_id = refund_apply_id(order)
    state = refunds.refund_state(connection.app_key, refund_id)
    checked = refunds.DECIDED.get((connection.app_key, refund_id))
    return {
        "id": int(refund_id),
        "orderId": order_id("jd", order),
        "buyerId": f"jd_****{order.seq % 10000:04d}",
        "buyerName": "",
        "applyTime": _local(order.refund_requested_at),
        "checkTime": "" if state == refunds.WAITING else _local(checked or order.refund_requested_at),
        "applyRefundSum": _fen(order.refund_amount),
        "status": APPLY_STATUS.get(state, 0),
        "checkUserName": "",
        "checkRemark": "",
        "reason": "不想要了",
        "systemId": 1,
    }


def service_order(connection: ShopConnection, order: data.GenOrder) -> dict[str, Any]:
    sid = service_id(order)
    state = refunds.refund_state(connection.app_key, sid)
    status = {refunds.REFUSED: SERVICE_REFUSED, refunds.RETURN_WAITING: SERVICE_AGREED}.get(state, SERVICE_WAITING)
    line = order.lines[0]
    return {
        "serviceId": int(sid),
        "orderId": int(order_id("jd", order)),
        "customerExpect": 10,
        "customerExpectName": "退货",
        "serviceStatus": status,
        "applyTime": _local(order.refund_requested_at),
        "updateDate": _local(order.refund_requested_at),
        "questionTypeCid1": 1,
        "questionTypeCid1Name": "商品质量问题",
        "questionTypeCid2": 11,
        "skuId": 100012345000,
        "wareName": line.title,
        "serviceCount": line.quantity,
        "actualPayPrice": _money(order.refund_amount),
        "sysVersion": 1 if status == SERVICE_WAITING else 2,
    }


def refund_apply_page(connection: ShopConnection, body: dict[str, Any]) -> dict[str, Any]:
    """By apply time, or by check time (``checkTimeStart``/``checkTimeEnd``): the applications decided in the
    window, by the merchant here or in JD's back office (``refunds.DECIDED``)."""
    if body.get("checkTimeStart") or body.get("checkTimeEnd"):
        found = _checked(connection, window(body["checkTimeStart"]), window(body["checkTimeEnd"]))
    else:
        found = _requests(connection, body, "applyTimeStart", "applyTimeEnd", service=False)
    page, _more = page_of(found, int(body.get("pageIndex") or 1), int(body.get("pageSize") or 10))
    result = [refund_apply(connection, order) for order in page]
    return {"queryResult": {"success": True, "totalCount": len(found), "result": result}}


def service_order_page(connection: ShopConnection, body: dict[str, Any]) -> dict[str, Any]:
    _operator_check(body)
    found = _requests(connection, body, "updateTimeBegin", "updateTimeEnd", service=True)
    page, _more = page_of(found, int(body.get("pageNumber") or 1), int(body.get("pageSize") or 10))
    data_ = [service_order(connection, order) for order in page]
    return {"pageResult": {"success": True, "code": "200", "msg": "", "data": data_, "totalCount": len(found)}}


def service_order_view(connection: ShopConnection, body: dict[str, Any]) -> dict[str, Any]:
    _operator_check(body)
    order = _service_order(connection, body)
    bill = service_order(connection, order)
    bill["applyDetailList"] = [{"applyDetailId": int(service_id(order)) % 1_000_000 + 1, "skuId": bill["skuId"]}]
    return {"result": {"success": True, "code": "200", "msg": "", "data": bill}}


def service_order_refuse(connection: ShopConnection, body: dict[str, Any]) -> dict[str, Any]:
    """审核拒绝 (``_audit``)."""
    _operator_check(body)
    order = _service_order(connection, body)
    return _audit(connection, order, body, to=refunds.REFUSED, kind="asc_refuse")


def service_order_send(connection: ShopConnection, body: dict[str, Any]) -> dict[str, Any]:
    """审核为客户发货: as a refusal, and the return contact, JD's area ids (numbers) and the service order's
    application lines (``applyDetailIdList``) are required."""
    _operator_check(body)
    order = _service_order(connection, body)
    absent = [key for key in SEND_REQUIRED if body.get(key) in (None, "")]
    if absent or not body.get("applyDetailIdList"):
        missing = ", ".join(absent + ([] if body.get("applyDetailIdList") else ["applyDetailIdList"]))
        return {"result": {"success": False, "code": "400", "msg": f"{missing} 不能为空"}}
    wrong = [key for key in ("returnProvince", "returnCity", "returnCounty") if not isinstance(body[key], int)]
    if wrong:
        return {"result": {"success": False, "code": "400", "msg": f"{', '.join(wrong)} 须为地址编码"}}
    return _audit(connection, order, body, to=refunds.RETURN_WAITING, kind="asc_send")


def _audit(connection: ShopConnection, order: data.GenOrder, body: dict[str, Any], *, to: str, kind: str):
    """The merchant's audit: the service order must wait for it and ``sysVersion`` be its current one."""
    if not body.get("approveNotes"):
        return {"result": {"success": False, "code": "400", "msg": "approveNotes 不能为空"}}
    current = service_order(connection, order)
    if current["serviceStatus"] != SERVICE_WAITING or body.get("sysVersion") != current["sysVersion"]:
        return {"result": {"success": False, "code": "5001", "msg": "服务单状态已变更，请刷新后重试"}}
    try:
        refunds.refund_decide(connection, service_id(order), allowed=(refunds.WAITING,), to=to, kind=kind, payload=body)
    except SandboxError as exc:
        return {"result": {"success": False, "code": "5002", "msg": exc.message}}
    return {"result": {"success": True, "code": "200", "msg": "成功"}}


def _operator_check(body: dict[str, Any]) -> None:
    if not (body.get("buId") and body.get("operatePin") and body.get("operateNick")):
        raise SandboxError("invalid", "buId, operatePin and operateNick are required")


def _service_order(connection: ShopConnection, body: dict[str, Any]) -> data.GenOrder:
    try:
        seq = int(body.get("serviceId")) - 6_200_000_000
    except (TypeError, ValueError):
        raise SandboxError("invalid", f"serviceId {body.get('serviceId')!r}") from None
    order = data.generate(connection.app_key, seq) if seq >= 0 else None
    if order is None or order.refund_requested_at is None or not is_service_order(order):
        raise SandboxError("not_found", f"服务单 {body.get('serviceId')} 不存在")
    if str(body.get("orderId")) != order_id("jd", order):
        raise SandboxError("invalid", f"服务单 {body.get('serviceId')} 不属于订单 {body.get('orderId')}")
    return order
