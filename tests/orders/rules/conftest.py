from tests.orders.rules.fixtures import clock, paid_order, publish, tasks_run_inline  # noqa: F401
