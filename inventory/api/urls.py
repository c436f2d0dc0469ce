"""/api/v1/ routes for warehouses and SKUs, addressed by their codes."""

from django.urls import path, register_converter

from config.api import by_method
from inventory.api import views


class SKUCodeConverter:
    """A SKU code in a URL: anything but a slash (codes such as ``TEA-LJ.250g`` or ``A_01:red``).

    Clients percent-encode characters that are not URL-safe; Django decodes them before matching.
    """

    regex = r"[^/]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SKUCodeConverter, "sku_code")

urlpatterns = [
    path(
        "warehouses/",
        by_method("WarehousesApi", get=views.WarehouseListApi, post=views.WarehouseCreateApi),
        name="api-warehouse-list",
    ),
    path(
        "warehouses/<slug:code>/",
        by_method("WarehouseApi", get=views.WarehouseDetailApi, patch=views.WarehouseUpdateApi),
        name="api-warehouse-detail",
    ),
    path("skus/", by_method("SKUsApi", get=views.SKUListApi, post=views.SKUCreateApi), name="api-sku-list"),
    path(
        "skus/<sku_code:code>/",
        by_method("SKUApi", get=views.SKUDetailApi, patch=views.SKUUpdateApi),
        name="api-sku-detail",
    ),
]
