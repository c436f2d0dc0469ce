"""config.env: every setting is parsed strictly, so a typo stops the start naming the variable."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_float, env_int


def test_env_float_reads_a_decimal_value(monkeypatch):
    monkeypatch.setenv("ORDERHUB_TEST_SECONDS", "0.25")

    assert env_float("ORDERHUB_TEST_SECONDS", default=1.0) == 0.25


def test_env_float_falls_back_to_the_default_when_unset_or_empty(monkeypatch):
    monkeypatch.delenv("ORDERHUB_TEST_SECONDS", raising=False)
    assert env_float("ORDERHUB_TEST_SECONDS", default=1.5) == 1.5

    monkeypatch.setenv("ORDERHUB_TEST_SECONDS", " ")
    assert env_float("ORDERHUB_TEST_SECONDS", default=1.5) == 1.5


@pytest.mark.parametrize("helper", [env_float, env_int])
def test_a_value_that_is_not_a_number_names_the_variable(monkeypatch, helper):
    monkeypatch.setenv("ORDERHUB_TEST_SECONDS", "ten")

    with pytest.raises(ImproperlyConfigured, match="ORDERHUB_TEST_SECONDS='ten'"):
        helper("ORDERHUB_TEST_SECONDS", default=1)
