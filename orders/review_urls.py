"""Back-office pages of the review queue, order shaping, rules and alerts, under /review/."""

from django.urls import path

from orders import review_views as views

app_name = "review"

urlpatterns = [
    path("", views.review_queue, name="queue"),
    path("bulk/", views.review_bulk_view, name="bulk"),
    path("tasks/<int:pk>/approve/", views.review_task_approve, name="task-approve"),
    path("tasks/<int:pk>/reject/", views.review_task_reject, name="task-reject"),
    path("orders/<str:number>/release/", views.review_order_release, name="order-release"),
    path("orders/<str:number>/hold/", views.review_order_hold, name="order-hold"),
    path("orders/<str:number>/address/", views.review_order_address, name="order-address"),
    path("orders/<str:number>/split/", views.review_order_split, name="order-split"),
    path("merge/", views.review_merge, name="merge"),
    path("rules/", views.rule_set_index, name="rules"),
    path("rules/<slug:code>/", views.rule_set_detail, name="rule-set"),
    path("rules/<slug:code>/versions/new/", views.rule_version_new, name="rule-version-new"),
    path("rule-versions/<int:pk>/", views.rule_version_edit, name="rule-version"),
    path("rule-versions/<int:pk>/preview/", views.rule_version_preview_view, name="rule-version-preview"),
    path("rule-versions/<int:pk>/publish/", views.rule_version_publish_view, name="rule-version-publish"),
    path("rule-previews/<int:pk>/", views.rule_preview_detail, name="rule-preview"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge_view, name="alert-acknowledge"),
    path("alerts/<int:pk>/assign/", views.alert_assign_view, name="alert-assign"),
]
