"""Printing a wave in pick order through a platform's local print component, in real headless Chromium: the
test runs a fake Cainiao print component (a WebSocket server on 127.0.0.1) that answers the documented
``print`` command with ``notifyPrintResult``. The labels come from the Cainiao e-waybill sandbox over real
HTTP, so the documents carry the platform's encrypted print data, never a readable receiver."""

import json
import threading

import pytest

from fulfilment.carriers import carrier_get
from fulfilment.models import LabelPrint, SandboxWaybill, WaybillAccount
from fulfilment.services import pack_complete, shipment_label_print
from integrations.models import ShopConnection

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class FakeCainiaoComponent:
    """Answers ``print`` like Cainiao's component: an acknowledgement, then the task's print results."""

    def __init__(self):
        from websockets.sync.server import serve

        self.commands = []
        self.server = serve(self.handle, "127.0.0.1", 0)
        self.port = self.server.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def handle(self, connection):
        for raw in connection:
            command = json.loads(raw)
            self.commands.append(command)
            task = command["task"]
            connection.send(
                json.dumps(
                    {
                        "cmd": "print",
                        "requestID": command["requestID"],
                        "taskID": task["taskID"],
                        "status": "success",
                        "msg": "",
                    }
                )
            )
            connection.send(
                json.dumps(
                    {
                        "cmd": "notifyPrintResult",
                        "printer": "Fake Thermal 100x150",
                        "taskID": task["taskID"],
                        "printStatus": [
                            {"documentID": d["documentID"], "status": "printed", "msg": ""} for d in task["documents"]
                        ],
                    }
                )
            )

    def close(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def component(settings):
    fake = FakeCainiaoComponent()
    settings.FULFILMENT_PRINT_COMPONENTS = {
        **settings.FULFILMENT_PRINT_COMPONENTS,
        "cainiao": f"ws://127.0.0.1:{fake.port}",
    }
    yield fake
    fake.close()


def test_a_wave_prints_in_pick_order_through_the_print_component_and_reprints_keep_their_numbers(
    browser_page, live_server, settings, floor, approved_order, picked, manager, component
):
    settings.SANDBOX_ENABLED = True
    shop = floor["shop_a"]  # Tmall: Cainiao e-waybills
    ShopConnection.objects.create(
        shop=shop,
        base_url=f"{live_server.url}/sandbox/taobao",
        app_key="tmall-e2e",
        app_secret="e2e-secret",
        access_token="good-token",
    )
    WaybillAccount.objects.create(
        provider="cainiao",
        carrier=carrier_get("ZTO"),
        shop=shop,
        branch_code="571001",
        template_url="https://cloudprint.cainiao.com/template/standard/101/123",
        balance=100,
    )
    orders = [
        approved_order(
            consignee_cipher={"oaid": f"oaid-{n}"},
            external_id=f"39201938100{n}",
            consignee_name="王*",
            consignee_phone="138****0000",
            address="文三路****",
        )
        for n in range(3)
    ]
    wave_orders = [picked(order) for order in orders]
    wave = wave_orders[0].wave
    for wave_order in sorted(wave_orders, key=lambda w: -w.sequence):  # labelled in another order than picked
        shipment = pack_complete(
            wave_order=wave_order, verified={"SKU-1": 1}, weight_grams=700, carrier_code="ZTO", actor=manager
        )
        shipment_label_print(shipment=shipment, actor=manager)
    in_pick_order = [w.order.shipments.get().tracking_number for w in sorted(wave_orders, key=lambda w: w.sequence)]
    page = browser_page
    page.login(manager)
    page.goto(page.url_for(f"/fulfilment/waves/{wave.pk}/print/"))
    page.click("#print-components")
    page.wait_for_selector("body[data-print-done='1']")
    assert "Printed" in page.inner_text("#print-status") or "打印" in page.inner_text("#print-status")

    (command,) = component.commands
    assert command["cmd"] == "print"
    documents = command["task"]["documents"]
    assert [d["documentID"] for d in documents] == in_pick_order
    first = documents[0]["contents"][0]
    assert first["encryptedData"].startswith("SANDBOX-ENC-") and first["templateURL"].startswith("https://cloudprint")
    assert "138" not in json.dumps(command)  # no phone, masked or not, goes to the component
    logged = list(LabelPrint.objects.order_by("id").values_list("tracking_number", "status", "component", "reprint"))
    assert logged == [(n, "printed", "cainiao", False) for n in in_pick_order]

    issued = SandboxWaybill.objects.count()
    page.goto(page.url_for(f"/fulfilment/waves/{wave.pk}/print/"))
    page.click("#print-components")
    page.wait_for_selector("body[data-print-done='1']")
    assert [d["documentID"] for d in component.commands[1]["task"]["documents"]] == in_pick_order
    assert SandboxWaybill.objects.count() == issued  # a reprint asks for no new number
    assert LabelPrint.objects.filter(reprint=True).count() == 3
