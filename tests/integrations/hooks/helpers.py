"""Helpers for the partner webhook tests."""

SECRET = "whsec-test-0123456789abcdef"  # the signing secret of the subscriptions the tests create
