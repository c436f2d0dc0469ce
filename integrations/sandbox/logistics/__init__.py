"""The sandbox's logistics services, one module per provider, answering each client in its own format:
the platforms' e-waybill methods inside their routers (``PLATFORM_METHODS``), SF's and Kuaidi100's own
endpoints as views. Numbers are kept in fulfilment's ``SandboxWaybill`` table, so the carrier sandbox's
tracking timeline follows them like any sandbox parcel. ``#FAIL`` in the receiver's address makes the
service refuse with its own error."""

from integrations.sandbox.logistics import cainiao, douyin, jd, pdd

# platform → {method: handler(connection, params) → result dict}
PLATFORM_METHODS = {
    "taobao": cainiao.METHODS,
    "tmall": cainiao.METHODS,
    "pdd": pdd.METHODS,
    "douyin": douyin.METHODS,
    "jd": jd.METHODS,
}
