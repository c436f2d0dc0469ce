"""Errors of the peak simulator (config.errors: stable code, HTTP status)."""

from config.errors import ApplicationError


class CurveInvalid(ApplicationError):
    """A traffic curve that cannot be read or scaled (row, column and why)."""

    code = "simulator_curve_invalid"
    status = 400


class SimulationInvalid(ApplicationError):
    """Parameters no simulation can run with (an unknown fault, the configured database as its own, …)."""

    code = "simulator_invalid"
    status = 400
