"""The review queue: tasks for orders held by the rules, a low health score or staff; tiered approvals;
approve / reject / release / edit address / bulk. Its pages (and the alert list) in ``orders.review.views``,
all /review/ routes in ``orders.review.urls``. See docs/rules.md."""
