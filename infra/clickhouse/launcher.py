#!/usr/bin/env python3
"""Run a ClickHouse 26.9 server (HTTP + native TCP) from the chdb-core wheel.

Usage:
    <venv>/bin/python infra/clickhouse/launcher.py \
        --data-dir DIR --http-port 8123 --tcp-port 9000 --log-dir DIR

Prints one line starting with "clickhouse-launcher: READY" on stdout once both
ports answer. Stops cleanly on SIGTERM/SIGINT (exit 0).

Exit codes: 0 clean stop, 1 server failed or stopped unexpectedly,
2 port already in use, 3 wrong chdb-core version / cannot load it.

See README.md next to this file for why this exists and its limits.
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import importlib.metadata
import importlib.util
import os
import signal
import socket
import sys
import threading
import time
import types
import urllib.request
from xml.sax.saxutils import escape

# We call the private entry point chdb._chdb.query(); its behaviour is only
# verified for this exact wheel, so refuse anything else.
EXPECTED_CHDB_CORE = "26.9.0"
EXPECTED_ENGINE_PREFIX = "26.9."
HOST = "127.0.0.1"

# The keep-alive statement. Its text is the handle we use to KILL it on
# shutdown, so it must start with this exact prefix.
KEEPALIVE_PREFIX = "SELECT sleepEachRow(1) AS chdb_launcher_keepalive"
KEEPALIVE_SQL = (
    KEEPALIVE_PREFIX
    + " FROM system.numbers"
    + " SETTINGS max_execution_time = 0, max_block_size = 1 FORMAT Null"
)

EXIT_FAILED, EXIT_PORT_BUSY, EXIT_VERSION = 1, 2, 3


def say(msg: str) -> None:
    print(f"clickhouse-launcher: {msg}", flush=True)


def die(code: int, msg: str) -> None:
    print(f"clickhouse-launcher: ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


def check_version() -> None:
    try:
        found = importlib.metadata.version("chdb-core")
    except importlib.metadata.PackageNotFoundError:
        die(EXIT_VERSION, f"chdb-core is not installed in {sys.prefix}; "
            f"run: pip install --no-deps -r infra/clickhouse/requirements.txt")
    if found != EXPECTED_CHDB_CORE:
        die(EXIT_VERSION, f"chdb-core {found} found, this launcher needs exactly "
            f"{EXPECTED_CHDB_CORE} (it uses the private chdb._chdb.query entry point); "
            f"run: pip install --no-deps -r infra/clickhouse/requirements.txt")


def load_chdb_native():
    """Import chdb._chdb WITHOUT running chdb/__init__.py.

    chdb/__init__.py opens a throw-away in-memory session at import time. That
    first session sets up ClickHouse's loggers, and the server session started
    later then logs almost nothing to our log file. So we reproduce only the
    loading part of __init__.py (pinned version): preload the .so with
    RTLD_DEEPBIND from the package dir, then import the extension module.
    """
    spec = importlib.util.find_spec("chdb")
    if spec is None or not spec.submodule_search_locations:
        die(EXIT_VERSION, "cannot locate the chdb package")
    pkg_dir = list(spec.submodule_search_locations)[0]
    stub = types.ModuleType("chdb")
    stub.__path__ = [pkg_dir]
    sys.modules["chdb"] = stub
    cwd = os.getcwd()
    os.chdir(pkg_dir)
    try:
        ctypes.CDLL(os.path.join(pkg_dir, "_chdb.abi3.so"),
                    mode=sys.getdlopenflags() | 0x8)  # RTLD_DEEPBIND
        from chdb import _chdb  # noqa: E402
    finally:
        os.chdir(cwd)
    return _chdb


def port_busy(port: int) -> bool:
    # SO_REUSEADDR like ClickHouse itself, so TIME_WAIT leftovers don't count.
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((HOST, port))
        return False
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            return True
        raise
    finally:
        s.close()


def write_config(data_dir: str, log_dir: str, http_port: int, tcp_port: int,
                 max_mem: int) -> None:
    log = escape(os.path.join(log_dir, "clickhouse-server.log"))
    err = escape(os.path.join(log_dir, "clickhouse-server.err.log"))
    # clickhouse-local (what chdb embeds) reads ./config.xml from the cwd.
    # - top-level <log-level>: chdb takes the level from this key (default
    #   "trace") and ignores <logger><level>; we set both.
    # - no interserver/mysql/postgresql ports: only HTTP and TCP are started.
    # - timezone UTC: deterministic DateTime rendering regardless of host.
    # - background pools: chDB ships embedded-sized pools (2 merge threads, 2
    #   schedule threads; stock server 16/512); with 2 the log fills with
    #   "Temporarily pause scheduling of tasks" and merges can lag behind
    #   many small inserts. Raised moderately.
    # CDP_CLICKHOUSE_QUERY_LOG=1: system.query_log and system.query_views_log (CPU per
    # query and per materialized view), to find where insert time goes; off by
    # default, as logging every insert costs CPU of its own.
    query_logs = ""
    if os.environ.get("CDP_CLICKHOUSE_QUERY_LOG") == "1":
        query_logs = """
    <query_log><database>system</database><table>query_log</table><flush_interval_milliseconds>5000</flush_interval_milliseconds></query_log>
    <query_views_log><database>system</database><table>query_views_log</table><flush_interval_milliseconds>5000</flush_interval_milliseconds></query_views_log>"""
    xml = f"""<?xml version="1.0"?>
<!-- Written by infra/clickhouse/launcher.py on every start; edits are overwritten. -->
<clickhouse>
    <listen_host>{HOST}</listen_host>
    <http_port>{http_port}</http_port>
    <tcp_port>{tcp_port}</tcp_port>
    <max_server_memory_usage>{max_mem}</max_server_memory_usage>
    <timezone>UTC</timezone>
    <background_pool_size>4</background_pool_size>
    <background_common_pool_size>4</background_common_pool_size>
    <background_schedule_pool_size>16</background_schedule_pool_size>
    <log-level>information</log-level>
    <logger>
        <level>information</level>
        <log>{log}</log>
        <errorlog>{err}</errorlog>
        <size>100M</size>
        <count>5</count>
    </logger>{query_logs}
</clickhouse>
"""
    tmp = os.path.join(data_dir, "config.xml.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(xml)
    os.replace(tmp, os.path.join(data_dir, "config.xml"))


# Talk to our own server directly, never through an http_proxy from the env.
_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_query(port: int, sql: str, timeout: float = 5.0) -> str:
    req = urllib.request.Request(f"http://{HOST}:{port}/", data=sql.encode())
    with _http.open(req, timeout=timeout) as r:
        return r.read().decode().strip()


def is_up(http_port: int, tcp_port: int, data_dir: str) -> bool:
    try:
        socket.create_connection((HOST, tcp_port), timeout=1).close()
        # Check it is *our* server: if the ports were taken after our check,
        # /ping would be answered by the other one.
        path = http_query(http_port, "SELECT value FROM system.server_settings "
                          "WHERE name = 'path' FORMAT TSV", timeout=2)
        return os.path.normpath(path) == os.path.normpath(data_dir)
    except OSError:
        return False


def new_errors(err_log: str, offset: int) -> str:
    try:
        with open(err_log, "rb") as f:
            f.seek(offset)
            text = f.read().decode(errors="replace")
    except OSError:
        return ""
    lines = [ln for ln in text.splitlines() if "<Error>" in ln or "<Fatal>" in ln]
    return lines[-1].split("> ", 1)[-1].split(", Stack trace")[0] if lines else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--log-dir", required=True)
    ap.add_argument("--http-port", type=int, default=8123)
    ap.add_argument("--tcp-port", type=int, default=9000)
    ap.add_argument("--max-server-memory-usage", type=int, default=2 << 30,
                    help="bytes (default 2 GiB)")
    ap.add_argument("--startup-timeout", type=float, default=60.0)
    ap.add_argument("--shutdown-timeout", type=float, default=60.0)
    args = ap.parse_args()

    check_version()
    data_dir = os.path.abspath(args.data_dir)
    log_dir = os.path.abspath(args.log_dir)
    os.makedirs(data_dir, exist_ok=True)
    os.makedirs(log_dir, exist_ok=True)

    # Fail fast with a clear message; the engine would only print the error on
    # stderr and return (the query result object does not carry it).
    for name, port in (("http", args.http_port), ("tcp", args.tcp_port)):
        if port_busy(port):
            die(EXIT_PORT_BUSY, f"{HOST}:{port} ({name}) Address already in use "
                f"- is another ClickHouse/launcher running?")

    chdb = load_chdb_native()
    write_config(data_dir, log_dir, args.http_port, args.tcp_port,
                 args.max_server_memory_usage)
    os.chdir(data_dir)  # so the engine picks up ./config.xml
    err_log = os.path.join(log_dir, "clickhouse-server.err.log")
    err_offset = os.path.getsize(err_log) if os.path.exists(err_log) else 0

    stop = threading.Event()

    def on_signal(signum, _frame):
        if stop.is_set():  # second signal: give up waiting
            say(f"signal {signum} again, exiting without waiting")
            os._exit(EXIT_FAILED)
        say(f"signal {signum} received, stopping")
        stop.set()

    # Python handlers run in the main thread, which stays in Python (the
    # engine blocks the worker thread, and it releases the GIL). Without them
    # SIGTERM kills the process at once (chdb leaves SIGTERM at SIG_DFL and
    # sets SIGINT to SIG_IGN).
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    # One call for everything: each module-level query() builds and tears down
    # a whole local server, so the listeners only live as long as that call
    # (separate calls: listeners close at once, then "EventNotifier is
    # initialized twice"). The keep-alive keeps the call - the server - alive.
    sql = f"SYSTEM START LISTEN HTTP; SYSTEM START LISTEN TCP; {KEEPALIVE_SQL}"
    t0 = time.monotonic()
    worker = threading.Thread(
        target=lambda: chdb.query(sql, "TabSeparated", path=data_dir),
        name="clickhouse", daemon=True)
    worker.start()

    while not is_up(args.http_port, args.tcp_port, data_dir):
        if not worker.is_alive():
            detail = new_errors(err_log, err_offset) or "see " + err_log
            code = EXIT_PORT_BUSY if "Address already in use" in detail else EXIT_FAILED
            die(code, f"server did not start: {detail}")
        # (A signal during startup is handled once we are up: clean stop.)
        if time.monotonic() - t0 > args.startup_timeout:
            # The engine cannot be cancelled before it listens; just leave.
            print(f"clickhouse-launcher: ERROR: not listening after "
                  f"{args.startup_timeout:.0f}s, giving up", file=sys.stderr, flush=True)
            os._exit(EXIT_FAILED)
        time.sleep(0.05)

    version = http_query(args.http_port, "SELECT version() FORMAT TSV")
    if not version.startswith(EXPECTED_ENGINE_PREFIX):
        print(f"clickhouse-launcher: ERROR: engine {version}, expected "
              f"{EXPECTED_ENGINE_PREFIX}x", file=sys.stderr, flush=True)
        stop.set()
    else:
        say(f"READY listening http://{HOST}:{args.http_port} tcp://{HOST}:{args.tcp_port} "
            f"(ClickHouse {version}, chdb-core {EXPECTED_CHDB_CORE}, pid {os.getpid()}, "
            f"data {data_dir}, started in {time.monotonic() - t0:.2f}s)")

    while worker.is_alive() and not stop.is_set():
        worker.join(0.5)

    if not stop.is_set():
        detail = new_errors(err_log, err_offset)
        die(EXIT_FAILED, "server stopped unexpectedly (keep-alive query ended, "
            "e.g. KILL QUERY)" + (f": {detail}" if detail else ""))

    # Clean stop: cancel the keep-alive; the query() call then returns and the
    # engine shuts down normally (closes listeners, flushes pending async
    # inserts, stops merges, releases tables) before we exit.
    t1 = time.monotonic()
    try:
        http_query(args.http_port,
                   f"KILL QUERY WHERE startsWith(query, '{KEEPALIVE_PREFIX}') ASYNC FORMAT Null")
    except OSError as e:
        say(f"could not send KILL QUERY ({e}); waiting anyway")
    worker.join(args.shutdown_timeout)
    if worker.is_alive():
        print("clickhouse-launcher: ERROR: engine did not stop in "
              f"{args.shutdown_timeout:.0f}s", file=sys.stderr, flush=True)
        os._exit(EXIT_FAILED)
    say(f"stopped cleanly in {time.monotonic() - t1:.2f}s")
    sys.exit(0 if version.startswith(EXPECTED_ENGINE_PREFIX) else EXIT_VERSION)


if __name__ == "__main__":
    main()
