"""Who may see everything: the one access rule every app shares. Administrators hold the global
``orders.view_all_orders`` permission (orders' roles grant it); superusers see everything too. Everything else
is per object — a shop or a warehouse granted with django-guardian — and each app's selectors say it."""

SEE_EVERYTHING_PERMISSION = "orders.view_all_orders"


def user_sees_everything(user) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.has_perm(SEE_EVERYTHING_PERMISSION)))
