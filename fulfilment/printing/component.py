"""Print commands for the platforms' local print components (打印组件), which the warehouse PC runs and the
browser reaches over a WebSocket on 127.0.0.1.

Cainiao's documented ``print`` command (菜鸟打印组件协议)::

    {"cmd": "print", "requestID": "…", "version": "1.0",
     "task": {"taskID": "…", "preview": false, "printer": "",
              "documents": [{"documentID": "<waybill number>",
                             "contents": [{<the e-waybill's print_data: encryptedData, signature, templateURL, ver>},
                                          {"templateURL": "<custom area template>", "data": {…}}]}]}}

answered by ``{"cmd": "print", "requestID", "taskID", "status": "success"|"failed", "msg"}`` and later
``{"cmd": "notifyPrintResult", "taskID", "printStatus": [{"documentID", "status": "printed"|"failed", "msg"}]}``.
Pinduoduo's (ws://127.0.0.1:5000), Douyin's and JD's components take the same ``print`` command shape with their
own encrypted print data (docs: https://support-cnkuaidi.taobao.com/doc.htm#?docId=107014&docType=1,
https://open.pinduoduo.com/application/document/browse?idStr=BB7F5A3E0F5FC5C5, Douyin 抖音电子面单打印组件,
JD 京东云打印组件). The ports are settings (``FULFILMENT_PRINT_COMPONENTS``).

Channels whose e-waybill carries no encrypted print data (SF, Kuaidi100, Order Hub's protocol) print a PDF
(``fulfilment.printing.pdf``).
"""

from __future__ import annotations

import uuid
from typing import Any

COMPONENTS = ("cainiao", "pdd", "douyin", "jd")


def component_of(label: dict[str, Any]) -> str:
    """Which print component a label goes through, or ``""`` for a PDF label."""
    component = str((label.get("print_data") or {}).get("component") or "")
    return component if component in COMPONENTS else ""


def document(shipment, *, custom_template_url: str = "", custom_data: dict | None = None) -> dict[str, Any]:
    """One document (one label) of a print task: the platform's encrypted print data, then the custom area."""
    data = {k: v for k, v in (shipment.label.get("print_data") or {}).items() if k != "component"}
    contents: list[dict[str, Any]] = [data]
    if custom_template_url:
        contents.append({"templateURL": custom_template_url, "data": custom_data or {}})
    return {"documentID": shipment.tracking_number, "contents": contents}


def print_command(*, documents: list[dict[str, Any]], printer: str = "", preview: bool = False) -> dict[str, Any]:
    task_id = uuid.uuid4().hex[:16]
    return {
        "cmd": "print",
        "requestID": uuid.uuid4().hex,
        "version": "1.0",
        "task": {"taskID": task_id, "preview": preview, "printer": printer, "documents": documents},
    }
