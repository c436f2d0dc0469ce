"""Back-office pages of the review queue, order shaping, rules and alerts, under /review/."""

from django.urls import path

from orders.review import views as review
from orders.rules import views as rules
from orders.shaping import views as shaping

app_name = "review"

urlpatterns = [
    path("", review.review_queue, name="queue"),
    path("bulk/", review.review_bulk_view, name="bulk"),
    path("tasks/<int:pk>/approve/", review.review_task_approve, name="task-approve"),
    path("tasks/<int:pk>/reject/", review.review_task_reject, name="task-reject"),
    path("orders/<str:number>/release/", review.review_order_release, name="order-release"),
    path("orders/<str:number>/hold/", review.review_order_hold, name="order-hold"),
    path("orders/<str:number>/address/", review.review_order_address, name="order-address"),
    path("orders/<str:number>/split/", shaping.review_order_split, name="order-split"),
    path("merge/", shaping.review_merge, name="merge"),
    path("rules/", rules.rule_set_index, name="rules"),
    path("rules/<slug:code>/", rules.rule_set_detail, name="rule-set"),
    path("rules/<slug:code>/versions/new/", rules.rule_version_new, name="rule-version-new"),
    path("rule-versions/<int:pk>/", rules.rule_version_edit, name="rule-version"),
    path("rule-versions/<int:pk>/preview/", rules.rule_version_preview_view, name="rule-version-preview"),
    path("rule-versions/<int:pk>/publish/", rules.rule_version_publish_view, name="rule-version-publish"),
    path("rule-previews/<int:pk>/", rules.rule_preview_detail, name="rule-preview"),
    path("alerts/", review.alert_list, name="alerts"),
    path("alerts/<int:pk>/", review.alert_detail, name="alert"),
    path("alerts/<int:pk>/replay/", review.alert_deliveries_replay_view, name="alert-replay"),
    path("alerts/<int:pk>/acknowledge/", review.alert_acknowledge_view, name="alert-acknowledge"),
    path("alerts/<int:pk>/assign/", review.alert_assign_view, name="alert-assign"),
]
