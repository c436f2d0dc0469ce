"""Customer service's after-sales pages: the queue of cases (filters, bulk approve), the case page with its
whole story and its steps, a case opened from the order page, and the risk thresholds managers set."""
