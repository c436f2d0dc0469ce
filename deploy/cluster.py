#!/usr/bin/env python3
"""Order Hub's production topology on one machine, from Debian's packages: ``make cluster`` / ``make cluster-down``.

    HAProxy :7100 (stats :7101) ──► gunicorn web1 :7111, web2 :7112      (checks: GET /readyz)
    web + workers ──► PgBouncer :7131 (transaction mode) ──► PostgreSQL primary :7121
                                                        └──► streaming replica :7122 (database orderhub_replica)
    worker1, worker2: django-q2 clusters (manage.py qcluster) sharing Redis :7141 (nothing kept on disk)
    media: one shared folder (MEDIA_ROOT); static files: collected once, served by each web node (WhiteNoise)

Every node runs as its own process group, on 127.0.0.1, with its log in ``<dir>/logs``. PostgreSQL and
PgBouncer run as the ``postgres`` user (they refuse root). The machine's own PostgreSQL (5432) and Redis
(6379) are never touched. Missing Debian packages (haproxy, pgbouncer, redis-server, postgresql-15) are
installed with apt-get.

    python deploy/cluster.py up [--dir /tmp/orderhub-cluster] [--port-base 7100]
    python deploy/cluster.py down | status
    python deploy/cluster.py kill NODE [--signal KILL] / start NODE / restart NODE

Only the standard library: the drill (``manage.py cluster_check``) drives it through these functions.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PACKAGES = {  # binary → Debian package
    "/usr/sbin/haproxy": "haproxy",
    "/usr/sbin/pgbouncer": "pgbouncer",
    "/usr/bin/redis-server": "redis-server",
    str(PG_BIN / "postgres"): "postgresql-15",
}
DATABASE = "orderhub"
REPLICA_DATABASE = "orderhub_replica"  # PgBouncer's name for the same database on the replica
WEB_NODES = ("web1", "web2")
WORKER_NODES = ("worker1", "worker2")


@dataclass
class Topology:
    dir: str
    port_base: int = 7100
    secret_key: str = ""
    nodes: dict[str, dict] = field(default_factory=dict)  # name → {"cmd", "env", "user", "log", "pid"}

    # --- ports -------------------------------------------------------------------------------------------
    @property
    def haproxy(self) -> int:
        return self.port_base

    @property
    def haproxy_stats(self) -> int:
        return self.port_base + 1

    def web_port(self, name: str) -> int:
        return self.port_base + 11 + WEB_NODES.index(name)

    @property
    def primary(self) -> int:
        return self.port_base + 21

    @property
    def replica(self) -> int:
        return self.port_base + 22

    @property
    def pgbouncer(self) -> int:
        return self.port_base + 31

    @property
    def redis(self) -> int:
        return self.port_base + 41

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.haproxy}"

    def path(self, *parts: str) -> Path:
        return Path(self.dir, *parts)

    # --- what the nodes are told --------------------------------------------------------------------------
    def app_env(self, *, direct: bool = False) -> dict[str, str]:
        """The environment of every web and worker node (``direct``: the primary and replica themselves, not
        through PgBouncer — for migrations and the drill's own checks)."""
        if direct:
            database = f"postgres://postgres@127.0.0.1:{self.primary}/{DATABASE}"
            replica = f"postgres://postgres@127.0.0.1:{self.replica}/{DATABASE}"
        else:
            database = f"postgres://postgres@127.0.0.1:{self.pgbouncer}/{DATABASE}"
            replica = f"postgres://postgres@127.0.0.1:{self.pgbouncer}/{REPLICA_DATABASE}"
        return {
            "DEBUG": "0",
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database,
            "DB_REPLICA_URL": replica,
            "DB_TRANSACTION_POOLER": "0" if direct else "1",
            "DB_CONN_MAX_AGE": "60",
            "DB_REPLICA_MAX_LAG_SECONDS": os.environ.get("DB_REPLICA_MAX_LAG_SECONDS", "2"),
            "Q_REDIS_URL": f"redis://127.0.0.1:{self.redis}/0",
            "CACHE_REDIS_URL": f"redis://127.0.0.1:{self.redis}/1",
            "Q_WORKERS": "2",
            "STATIC_ROOT": str(self.path("static")),
            "STATICFILES_MANIFEST": "1",
            "MEDIA_ROOT": str(self.path("media")),
            "LOG_FORMAT": "json",
            "SANDBOX_BASE_URL": self.url,
            "FULFILMENT_CARRIER_SANDBOX_URL": f"{self.url}/fulfilment/sandbox/carriers/",
            # The platform sandbox answers the drill's platform calls (never switched on in production).
            "SANDBOX_ENABLED": "1",
        }


def _state_file(directory: str) -> Path:
    return Path(directory, "cluster.json")


def load(directory: str) -> Topology:
    data = json.loads(_state_file(directory).read_text())
    return Topology(**data)


def save(topology: Topology) -> None:
    _state_file(topology.dir).write_text(json.dumps(asdict(topology), indent=2))


def say(message: str) -> None:
    print(f"[cluster] {message}", flush=True)


# --- packages ------------------------------------------------------------------------------------------------


def packages_ensure() -> None:
    missing = sorted({package for binary, package in PACKAGES.items() if not os.path.exists(binary)})
    if not missing:
        return
    say(f"installing Debian packages: {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env, stdout=subprocess.DEVNULL)


# --- processes -----------------------------------------------------------------------------------------------


def _pg_user() -> str | None:
    return "postgres" if os.geteuid() == 0 else None


def node_start(topology: Topology, name: str) -> int:
    """Start a node as the leader of its own process group; returns its pid."""
    node = topology.nodes[name]
    if name in ("postgres", "replica"):
        _stale_lock_remove(Path(node["cwd"], "postmaster.pid"))
    log = open(node["log"], "ab")  # noqa: SIM115 - handed to the child
    process = subprocess.Popen(
        node["cmd"],
        cwd=node.get("cwd") or str(BASE_DIR),
        env={**os.environ, **node.get("env", {})},
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        user=node.get("user"),
    )
    log.close()
    node["pid"] = process.pid
    save(topology)
    return process.pid


def _stale_lock_remove(lock: Path) -> None:
    """A PostgreSQL killed -9 leaves postmaster.pid behind; its pid may live on as a zombie nobody reaped (the
    process that started it is not the one that killed it), which PostgreSQL takes for a running server."""
    try:
        pid = int(lock.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except OSError:
        state = b"gone"
    if state in (b"Z", b"gone"):
        lock.unlink(missing_ok=True)


def node_alive(topology: Topology, name: str) -> bool:
    pid = topology.nodes[name].get("pid")
    if not pid:
        return False
    try:
        os.killpg(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return bool(group_members(pid))


def group_members(pgid: int) -> list[int]:
    """Living (not zombie) processes of a process group, from /proc."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_bytes().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != b"Z":
            members.append(int(entry))
    return members


def node_kill(topology: Topology, name: str, sig: int = signal.SIGKILL, *, wait: float = 30) -> float:
    """Signal a node's whole process group; wait until it is gone (SIGKILL after ``wait``). Returns seconds."""
    pid = topology.nodes[name].get("pid")
    started = time.monotonic()
    if not pid:
        return 0.0
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return 0.0
    while group_members(pid):
        if time.monotonic() - started > wait:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                break
        time.sleep(0.1)
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    return time.monotonic() - started


def wait_port(port: int, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{what} did not start listening on 127.0.0.1:{port} within {seconds:.0f} s")


def wait_http(url: str, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - our own 127.0.0.1
                if response.status == 200:
                    return
        except OSError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise SystemExit(f"{what} not ready at {url} within {seconds:.0f} s ({last})")


def run(cmd: list[str], *, user: str | None = None, env: dict | None = None, quiet: bool = True) -> None:
    subprocess.run(
        cmd,
        check=True,
        user=user,
        env={**os.environ, **(env or {})},
        cwd=str(BASE_DIR),
        stdout=subprocess.DEVNULL if quiet else None,
    )


def psql(port: int, sql: str, *, database: str = "postgres") -> str:
    out = subprocess.run(
        [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", database, "-tAc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


# --- bringing it up ------------------------------------------------------------------------------------------


def _postgres_conf(topology: Topology) -> str:
    archive = topology.path("wal-archive")
    return f"""
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
shared_buffers = 256MB
wal_level = replica
max_wal_senders = 5
hot_standby = on
hot_standby_feedback = on
archive_mode = on
archive_command = 'test ! -f {archive}/%f && cp %p {archive}/%f'
fsync = on
synchronous_commit = on
log_min_messages = warning
"""


def _pg_dirs(topology: Topology) -> None:
    for sub in ("primary", "replica", "run", "wal-archive"):
        topology.path(sub).mkdir(parents=True, exist_ok=True)
    user = _pg_user()
    if user:
        for sub in ("primary", "replica", "run", "wal-archive", "pgbouncer"):
            shutil.chown(topology.path(sub), user, user)
            os.chmod(topology.path(sub), 0o700 if sub in ("primary", "replica") else 0o755)


def database_up(topology: Topology) -> None:
    user = _pg_user()
    say(f"PostgreSQL primary :{topology.primary} (initdb)")
    run(
        [
            str(PG_BIN / "initdb"),
            "-D",
            str(topology.path("primary")),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        user=user,
    )
    with open(topology.path("primary", "postgresql.conf"), "a") as conf:
        conf.write(_postgres_conf(topology))
    with open(topology.path("primary", "pg_hba.conf"), "a") as hba:
        hba.write("host replication postgres 127.0.0.1/32 trust\n")
    topology.nodes["postgres"] = {
        "cmd": [str(PG_BIN / "postgres"), "-D", str(topology.path("primary")), "-p", str(topology.primary)],
        "user": user,
        "log": str(topology.path("logs", "postgres.log")),
        "cwd": str(topology.path("primary")),
    }
    node_start(topology, "postgres")
    wait_port(topology.primary, 60, "PostgreSQL primary")
    _pg_ready(topology.primary)
    psql(topology.primary, f"CREATE DATABASE {DATABASE}")
    say(f"PostgreSQL streaming replica :{topology.replica} (pg_basebackup)")
    run(
        [
            str(PG_BIN / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(topology.primary),
            "-U",
            "postgres",
            "-D",
            str(topology.path("replica")),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        ],
        user=user,
    )
    topology.nodes["replica"] = {
        "cmd": [str(PG_BIN / "postgres"), "-D", str(topology.path("replica")), "-p", str(topology.replica)],
        "user": user,
        "log": str(topology.path("logs", "replica.log")),
        "cwd": str(topology.path("replica")),
    }
    node_start(topology, "replica")
    wait_port(topology.replica, 60, "PostgreSQL replica")
    _pg_ready(topology.replica)


def _pg_ready(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            psql(port, "SELECT 1")
            return
        except subprocess.CalledProcessError:
            time.sleep(0.3)
    raise SystemExit(f"PostgreSQL on :{port} does not answer")


def pgbouncer_up(topology: Topology) -> None:
    say(
        f"PgBouncer :{topology.pgbouncer} (transaction mode) → primary :{topology.primary}, replica :{topology.replica}"
    )
    ini = topology.path("pgbouncer", "pgbouncer.ini")
    users = topology.path("pgbouncer", "users.txt")
    users.write_text('"postgres" ""\n')
    ini.write_text(
        f"""[databases]
{DATABASE} = host=127.0.0.1 port={topology.primary} dbname={DATABASE}
{REPLICA_DATABASE} = host=127.0.0.1 port={topology.replica} dbname={DATABASE}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {topology.pgbouncer}
unix_socket_dir =
auth_type = trust
auth_file = {users}
admin_users = postgres
stats_users = postgres
pool_mode = transaction
default_pool_size = 20
max_client_conn = 500
server_reset_query =
server_check_delay = 5
server_login_retry = 1
ignore_startup_parameters = extra_float_digits,options
"""
    )
    user = _pg_user()
    if user:
        for path in (ini, users):
            shutil.chown(path, user, user)
    topology.nodes["pgbouncer"] = {
        "cmd": ["/usr/sbin/pgbouncer", str(ini)],
        "user": user,
        "log": str(topology.path("logs", "pgbouncer.log")),
    }
    node_start(topology, "pgbouncer")
    wait_port(topology.pgbouncer, 30, "PgBouncer")


def redis_up(topology: Topology) -> None:
    say(f"Redis :{topology.redis} (nothing kept on disk)")
    topology.nodes["redis"] = {
        "cmd": [
            "/usr/bin/redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(topology.redis),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(topology.path("run")),
        ],
        "log": str(topology.path("logs", "redis.log")),
    }
    node_start(topology, "redis")
    wait_port(topology.redis, 30, "Redis")


def app_prepare(topology: Topology) -> None:
    say("migrate (schedules register themselves) and collectstatic")
    python = sys.executable
    run([python, "manage.py", "migrate", "--noinput"], env=topology.app_env(direct=True))
    run([python, "manage.py", "collectstatic", "--noinput"], env=topology.app_env(direct=True))


def web_up(topology: Topology, name: str) -> None:
    port = topology.web_port(name)
    topology.nodes[name] = {
        "cmd": [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            f"--bind=127.0.0.1:{port}",
            "--workers=2",
            "--worker-class=gthread",
            "--threads=4",
            "--keep-alive=5",
            "--graceful-timeout=20",
            f"--name=orderhub-{name}",
            "--config=deploy/gunicorn.conf.py",
        ],
        # Each web node's workers sum their request metrics in a directory of the node's own (/metrics).
        "env": {**topology.app_env(), "PROMETHEUS_MULTIPROC_DIR": str(topology.path("run", f"prometheus-{name}"))},
        "log": str(topology.path("logs", f"{name}.log")),
    }
    node_start(topology, name)


def worker_up(topology: Topology, name: str) -> None:
    topology.nodes[name] = {
        "cmd": [sys.executable, "manage.py", "qcluster"],
        "env": topology.app_env(),
        "log": str(topology.path("logs", f"{name}.log")),
    }
    node_start(topology, name)


def haproxy_up(topology: Topology) -> None:
    say(
        f"HAProxy :{topology.haproxy} → {', '.join(f'{n} :{topology.web_port(n)}' for n in WEB_NODES)}"
        f" (stats :{topology.haproxy_stats})"
    )
    servers = "\n".join(f"    server {name} 127.0.0.1:{topology.web_port(name)} check" for name in WEB_NODES)
    template = (BASE_DIR / "deploy" / "haproxy.cfg").read_text()
    config = template.replace("{{PORT}}", str(topology.haproxy)).replace("{{STATS_PORT}}", str(topology.haproxy_stats))
    config = config.replace("{{SERVERS}}", servers)
    cfg = topology.path("haproxy.cfg")
    cfg.write_text(config)
    topology.nodes["haproxy"] = {
        "cmd": ["/usr/sbin/haproxy", "-db", "-f", str(cfg)],
        "log": str(topology.path("logs", "haproxy.log")),
    }
    node_start(topology, "haproxy")
    wait_port(topology.haproxy, 30, "HAProxy")


def up(directory: str, port_base: int) -> Topology:
    packages_ensure()
    if _state_file(directory).exists():
        down(directory, quiet=True)
    shutil.rmtree(directory, ignore_errors=True)
    topology = Topology(dir=directory, port_base=port_base, secret_key=secrets.token_urlsafe(50))
    for sub in ("logs", "media", "static", "pgbouncer"):
        topology.path(sub).mkdir(parents=True, exist_ok=True)
    _pg_dirs(topology)
    save(topology)
    started = time.monotonic()
    database_up(topology)
    pgbouncer_up(topology)
    redis_up(topology)
    app_prepare(topology)
    for name in WEB_NODES:
        web_up(topology, name)
    for name in WORKER_NODES:
        worker_up(topology, name)
    haproxy_up(topology)
    for name in WEB_NODES:
        wait_http(f"http://127.0.0.1:{topology.web_port(name)}/readyz", 120, name)
    wait_http(f"{topology.url}/readyz", 60, "HAProxy → web")
    say(f"up in {time.monotonic() - started:.0f} s: {topology.url}/  (logs and data in {directory})")
    return topology


def down(directory: str, *, quiet: bool = False) -> None:
    if not _state_file(directory).exists():
        if not quiet:
            say(f"nothing to stop in {directory}")
        return
    topology = load(directory)
    # Front to back: the proxy, the web nodes, the workers (graceful), then Redis, PgBouncer, the databases.
    order = ["haproxy", *WEB_NODES, *WORKER_NODES, "redis", "pgbouncer", "replica", "postgres"]
    for name in order:
        if name in topology.nodes and node_alive(topology, name):
            seconds = node_kill(topology, name, signal.SIGTERM, wait=30)
            if not quiet:
                say(f"{name} stopped ({seconds:.1f} s)")
    _state_file(directory).unlink()


def status(directory: str) -> dict[str, bool]:
    topology = load(directory)
    return {name: node_alive(topology, name) for name in topology.nodes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["up", "down", "status", "kill", "start"])
    parser.add_argument("node", nargs="?")
    parser.add_argument("--dir", default=os.environ.get("CLUSTER_DIR", "/tmp/orderhub-cluster"))
    parser.add_argument("--port-base", type=int, default=int(os.environ.get("CLUSTER_PORT_BASE", "7100")))
    parser.add_argument("--signal", default="KILL")
    args = parser.parse_args()
    if args.action == "up":
        up(args.dir, args.port_base)
    elif args.action == "down":
        down(args.dir)
    elif args.action == "status":
        print(json.dumps(status(args.dir), indent=2))
    elif args.action == "kill":
        topology = load(args.dir)
        print(f"{args.node} gone in {node_kill(topology, args.node, getattr(signal, 'SIG' + args.signal)):.1f} s")
    elif args.action == "start":
        topology = load(args.dir)
        print(f"{args.node} started as pid {node_start(topology, args.node)}")


if __name__ == "__main__":
    main()
