"""Delivery ETAs from Order Hub's own history. See ``model`` for the method and ``backtest`` for how its error
is measured."""
