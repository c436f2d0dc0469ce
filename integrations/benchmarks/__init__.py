"""The pieces the benchmark and drill commands are built from (``manage.py bench_ingest``, ``bench_api``,
``cluster_check``, and the peak simulator ``simulate_peak``); docs/performance.md says what each command
measures.

- ``processes``: child processes on this machine — the environment a deployment's children get, a ``qcluster``
  waited for until its workers are up, ``gunicorn`` on a free port, stopping them, their CPU time.
- ``shops``: sandbox shops connected for pushes (the drill's and the simulator's).
- ``invariants``: lost, duplicated, oversold — pushed platform order ids against order rows, stock against
  reservations (the drill's verdict and the simulator's).
- ``database``: PostgreSQL housekeeping for a measurement (vacuum/analyze as autovacuum would) and the separate
  bench database ``bench_api`` fills (created, pointed at, its URL for the children).
- ``scale``: the scale data set (eight shops on four platforms, 200 SKUs), filled through the real batch
  ingestion path and shaped into a year of trading.
- ``http_load``: HTTP clients — keep-alive threads that work off jobs (timing each answer), a session logged in
  through the login form, single requests, percentiles.
- ``api_paths``: the partner-API and back-office requests ``bench_api`` measures, drawn from the data.
- ``pgbench``: PostgreSQL's own ceiling on this machine at that moment.
- ``drill/``: the fault drill ``cluster_check`` runs inside the cluster's database (its world, the run and
  its faults, where the reads go, the verdict).
"""
