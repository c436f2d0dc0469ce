"""Order shaping: merging orders of one buyer, splitting an order, and presale (定金 + 尾款) deadlines.

Merged and split orders keep their links (``OrderLink``) and the platforms' original order ids; the stock
reservations follow the lines (``inventory.services.reservation_move``). The split and merge pages are in
``views`` (routes in ``orders.review.urls``). See docs/rules.md.
"""
