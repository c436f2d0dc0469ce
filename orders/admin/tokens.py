"""Partner API tokens' limits: read only, the shops a token is limited to, its rate limit. Administrators
manage them here (the tokens themselves under "Auth Token → Tokens"); writes go through
``orders.tokens.token_policy_save``."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token
from simple_history.admin import SimpleHistoryAdmin

from orders.models import TokenPolicy
from orders.selectors import shop_list_for_user
from orders.tokens import token_policy_save


@admin.register(TokenPolicy)
class TokenPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["user", "has_token", "read_only", "shop_codes", "rate", "note", "created_at"]
    list_filter = ["read_only"]
    search_fields = ["user__username", "note", "shops__code"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["shops"]
    fields = ["user", "read_only", "shops", "rate", "note", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user").prefetch_related("shops")

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "user"] if obj is not None else self.readonly_fields

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "shops":
            kwargs["queryset"] = shop_list_for_user(request.user).order_by("code")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("has a token"), boolean=True)
    def has_token(self, policy) -> bool:
        return Token.objects.filter(user_id=policy.user_id).exists()

    @admin.display(description=_("shops"))
    def shop_codes(self, policy) -> str:
        return ", ".join(sorted(shop.code for shop in policy.shops.all())) or _("every shop of the user")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = token_policy_save(
            user=obj.user,
            read_only=data["read_only"],
            shops=data["shops"],
            rate=data["rate"],
            note=data["note"],
            actor=request.user,
        )
        obj.pk, obj.created_at, obj.created_by_id = saved.pk, saved.created_at, saved.created_by_id

    def save_related(self, request, form, formsets, change):
        """The shops were set by ``token_policy_save``."""
