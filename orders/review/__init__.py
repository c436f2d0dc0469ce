"""The review queue: tasks for orders held by the rules, a low health score or staff; tiered approvals;
approve / reject / release / edit address / bulk. Pages in ``orders.review_views``. See docs/rules.md."""
