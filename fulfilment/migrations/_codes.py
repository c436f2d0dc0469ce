"""Steps the carrier-code data migrations share. Each takes the migration's historical ``CarrierPlatformCode``
model and changes only the rows the bundled carrier library wrote: a code staff set to something else is left
alone. (Django loads no migration from a module whose name starts with ``_``.)"""


def recode(code_model, *, carrier, platform, before, after):
    """``carrier``'s ``before`` on ``platform`` becomes ``after`` unless staff gave ``after`` to a carrier already."""
    if not code_model.objects.filter(platform=platform, code=after).exists():
        code_model.objects.filter(carrier__code=carrier, platform=platform, code=before).update(code=after)


def move(code_model, *, platform, code, source, target, drop_when_taken):
    """The row ``source`` holds with ``code`` on ``platform`` goes to ``target``. When ``target`` already has a code
    there (one per carrier and platform) the row is dropped if ``drop_when_taken``, else left where it is."""
    row = code_model.objects.filter(carrier__code=source, platform=platform, code=code).first()
    if row is None:
        return
    carrier = code_model._meta.get_field("carrier").related_model
    target_carrier = carrier.objects.filter(code=target).first()
    if target_carrier is None or code_model.objects.filter(carrier=target_carrier, platform=platform).exists():
        if drop_when_taken:
            row.delete()
        return
    row.carrier = target_carrier
    row.save(update_fields=["carrier"])


def drop(code_model, *, carrier, platform, code):
    """``carrier`` loses ``code`` on ``platform``."""
    code_model.objects.filter(carrier__code=carrier, platform=platform, code=code).delete()


def restore(code_model, *, carrier, platform, code):
    """``carrier`` gets ``code`` on ``platform`` back, unless it has a code there by now or another carrier holds
    ``code`` there."""
    carrier_row = code_model._meta.get_field("carrier").related_model.objects.filter(code=carrier).first()
    if carrier_row is None:
        return
    taken = code_model.objects.filter(platform=platform)
    if taken.filter(carrier=carrier_row).exists() or taken.filter(code=code).exists():
        return
    code_model.objects.create(carrier=carrier_row, platform=platform, code=code)
