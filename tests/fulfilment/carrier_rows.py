"""Carrier rows for the tests of the carrier-code data migrations, written and read with the models of a migration
state (``tests.migrating.migrate_to``)."""


def carriers_write(apps, codes):
    """``codes`` = ``{carrier: {platform: code}}``: the carriers and their platform codes."""
    Carrier = apps.get_model("fulfilment", "Carrier")
    Code = apps.get_model("fulfilment", "CarrierPlatformCode")
    for carrier, platforms in codes.items():
        row = Carrier.objects.create(code=carrier, name=carrier)
        for platform, code in platforms.items():
            Code.objects.create(carrier=row, platform=platform, code=code)


def carrier_codes(apps, platforms=None):
    """``{(carrier, platform): code}`` of every platform code, or of those of ``platforms``."""
    rows = apps.get_model("fulfilment", "CarrierPlatformCode").objects.all()
    if platforms is not None:
        rows = rows.filter(platform__in=platforms)
    return {
        (carrier, platform): code for carrier, platform, code in rows.values_list("carrier__code", "platform", "code")
    }
