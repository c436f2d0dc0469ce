"""Admin pieces every app's admin uses: object pages scoped to what the user may see, read-only admins for
records only services write, and the "who may work on this" grant pages (django-guardian) for the objects
access is granted on (shops, warehouses). Each app says what a user may see (its ``get_queryset``)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext
from guardian.admin import (
    AdminGroupObjectPermissionsForm,
    AdminUserObjectPermissionsForm,
    GuardedModelAdminMixin,
)

from config.access import user_sees_everything


class ScopedAdminMixin:
    """Object pages 404 unless the object is in ``get_queryset(request)`` — including simple-history's
    history list and historical-version pages, which would otherwise look objects up unscoped."""

    def _visible_or_404(self, request, object_id) -> None:
        try:
            visible = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, TypeError, ValidationError):
            visible = False
        if not visible:
            raise Http404(gettext("No such object, or you may not see it."))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._visible_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdminMixin:
    """Records written only by services (audit rows, counters, keys): viewable, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The rows of a record shown under it (its lines, its timeline): viewable, never added, edited or removed."""

    extra = 0
    can_delete = False
    show_change_link = False


def access_only_form(base, codename: str):
    """Guardian's object-permission form, offering only the access permission (not add/change/delete)."""

    class AccessOnlyForm(base):
        def get_obj_perms_field_choices(self):
            return [(code, name) for code, name in super().get_obj_perms_field_choices() if code == codename]

    return AccessOnlyForm


class AccessGrantAdminMixin(GuardedModelAdminMixin):
    """Guardian's object-permission pages ("Who may work on this") for granting access to a shop or warehouse.

    Only administrators (``orders.view_all_orders``, superusers) may grant, and only ``access_codename``.
    """

    access_codename = ""
    change_form_template = "admin/orders/access_change_form.html"

    def _may_grant(self, request) -> bool:
        return user_sees_everything(request.user)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["may_grant_access"] = self._may_grant(request)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def obj_perms_manage_view(self, request, object_pk):
        if not self._may_grant(request):
            raise PermissionDenied
        return super().obj_perms_manage_view(request, object_pk)

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        if not self._may_grant(request):
            raise PermissionDenied
        return super().obj_perms_manage_user_view(request, object_pk, user_id)

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        if not self._may_grant(request):
            raise PermissionDenied
        return super().obj_perms_manage_group_view(request, object_pk, group_id)

    def get_obj_perms_manage_user_form(self, request):
        return access_only_form(AdminUserObjectPermissionsForm, self.access_codename)

    def get_obj_perms_manage_group_form(self, request):
        return access_only_form(AdminGroupObjectPermissionsForm, self.access_codename)
