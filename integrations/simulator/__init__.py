"""The peak simulator (仿真压力舱): rehearse a sale's peak on the real path, in a database of its own.

``curves`` loads and scales a traffic curve, ``traffic`` builds the signed pushes a platform would send,
``drive`` runs a simulation (web and worker processes, senders, the wave release, the faults), ``sampling``
watches PostgreSQL, the queue and the CPU while it runs, ``measures`` turns what was recorded into figures
(pure functions), ``report`` writes 《大促容量基线报告》, ``models``/``services``/``selectors``/``views`` are the
back-office page that starts a run and shows it live.
"""
