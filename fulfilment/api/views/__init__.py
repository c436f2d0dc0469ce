"""Fulfilment API, one module per part of the floor (``waves``: waves and picking; ``packing``: packing and
shipments; ``tracking``: carriers' tracking pushes; ``carriers``: routing and the carrier library). One small
view per operation with nested Input/Output serializers; errors rendered by config.api.exception_handler as
{"code", "message", "extra"}. The mobile pick and pack pages use these with the session (and its CSRF token);
partners and carriers with tokens."""
