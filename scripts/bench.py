"""`make bench`: the app as served in production, on a large and a small data set, with floors.

    .venv/bin/python scripts/bench.py [--quick] [--large N] [--small N] [--reseed]

The orchestrator (no Django in its own process) creates two databases on the same
PostgreSQL server (the embedded one unless DATABASE_URL is set), `coalition_bench_large`
and `coalition_bench_small`, migrates and seeds each with `manage.py seed_scale` (kept
between runs when the member count matches), then for each:

- runs `scripts/bench.py prepare` in a Django process against that database: it creates
  the bench national coordinator (with a TOTP authenticator, as staff need MFA) and
  session cookies, picks the URLs (largest chapter, a member...), counts each URL's
  queries with the test Client, times the roster import (new people, then the same file
  again) against COPY of the same rows into a bare table and into the app's own tables,
  the COPY floor of the export, and the password hasher against signup;
- starts gunicorn with the production settings of `make serve` on a free loopback port
  and measures every URL: median and p95 latency of one warm client, throughput of 8
  concurrent clients, the CSV export's rate and the workers' peak memory during it.

It prints a table and writes .data/bench/latest.json. Timings never appear in tests.
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlparse

import bench_broadcasts
import bench_events  # noqa: E402 - the events scenario, beside this script
import bench_segments

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
OUT_DIR = ROOT / ".data" / "bench"
CONCURRENCY = 8

# The production settings of `make serve` (see the Makefile), over plain http on loopback.
SERVE_ENV = {
    "DEBUG": "false",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_HSTS_SECONDS": "0",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
}


# --------------------------------------------------------------------------------------
# The orchestrator
# --------------------------------------------------------------------------------------


def server_url() -> tuple[str, object]:
    """A libpq URL template for the server holding the bench databases, and what keeps it alive."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"], None
    sys.path.insert(0, str(ROOT))
    from devtools import embedded_db

    settings = embedded_db.start(ROOT / ".data")
    host = quote(settings["HOST"], safe="")
    return f"postgresql://{settings['USER']}@{host}/{embedded_db.DATABASE_NAME}", settings


def with_database(url: str, name: str) -> str:
    parsed = urlparse(url)
    return parsed._replace(path="/" + name).geturl()


def ensure_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def seeded_members(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        try:
            return conn.execute("SELECT count(*) FROM members_user WHERE password = '!seed-scale'").fetchone()[0]
        except psycopg.errors.UndefinedTable:
            return -1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_pids(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Server:
    """gunicorn as `make serve` runs it, on a free loopback port (also used by scripts/soak.py)."""

    def __init__(self, env: dict, log_path: Path = OUT_DIR / "gunicorn.log") -> None:
        self.port = free_port()
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(log_path, "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if request(self.port, "/health/")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer /health/; see {log_path}")

    def workers(self) -> list[int]:
        return worker_pids(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def request(port: int, path: str, cookie: str = "", conn: http.client.HTTPConnection | None = None):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": "127.0.0.1"}
    if cookie:
        headers["Cookie"] = cookie
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if own:
        conn.close()
    return response.status, body


def latency(port: int, path: str, cookie: str, count: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    statuses = set()
    for _ in range(3):  # warm the worker, the cache and the connection
        statuses.add(request(port, path, cookie, conn)[0])
    times = []
    for _ in range(count):
        t = time.perf_counter()
        status, _ = request(port, path, cookie, conn)
        times.append((time.perf_counter() - t) * 1000)
        statuses.add(status)
    conn.close()
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 2),
        "status": sorted(statuses),
    }


def throughput(port: int, path: str, cookie: str, seconds: float) -> dict:
    done = [0] * CONCURRENCY
    errors = [0] * CONCURRENCY
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop:
            try:
                status, _ = request(port, path, cookie, conn)
            except (OSError, http.client.HTTPException):
                errors[n] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            if status < 400:
                done[n] += 1
            else:
                errors[n] += 1
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {"rps": round(sum(done) / elapsed, 1), "errors": sum(errors)}


def export(server: Server, path: str, cookie: str, expected_rows: int) -> dict:
    """Download the CSV export while sampling the workers' resident memory.

    Exports that match nothing go first, two per worker, so that the figure is a warm worker's
    (its first admin request loads code and opens the connection) and any growth is the rows'.
    """
    for _ in range(2 * len(server.workers())):
        request(server.port, f"{path}&q=bench-warm-up-matches-nobody", cookie)
    peak = {pid: rss_mb(pid) for pid in server.workers()}
    before = dict(peak)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in server.workers():
                peak[pid] = max(peak.get(pid, 0.0), rss_mb(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    t = time.perf_counter()
    status, body = request(server.port, path, cookie)
    elapsed = time.perf_counter() - t
    done.set()
    sampler.join()
    rows = max(body.count(b"\n") - 1, 0)
    grew = max((peak[pid] - before.get(pid, peak[pid])) for pid in peak) if peak else 0.0
    return {
        "status": status,
        "rows": rows,
        "expected_rows": expected_rows,
        "seconds": round(elapsed, 2),
        "rows_per_s": round(rows / elapsed) if elapsed else 0,
        "worker_peak_rss_mb": round(max(peak.values()), 1) if peak else 0.0,
        "worker_rss_growth_mb": round(grew, 1),
    }


def bench_database(label: str, url: str, args: argparse.Namespace, members: int) -> dict:
    env = {**os.environ, **SERVE_ENV, "DATABASE_URL": url, "SECRET_KEY": args.secret_key, "CONN_MAX_AGE": "60"}
    env.pop("EMBEDDED_DB", None)
    # Migrated on every run: a database kept from an earlier run gets this branch's migrations.
    manage(env, "migrate", "--no-input", "--verbosity", "0")
    seeded = seeded_members(url)
    if seeded != members or args.reseed:
        print(f"[{label}] seeding {members:,} members…", flush=True)
        manage(env, "createcachetable")
        t = time.monotonic()
        reset = ["--reset"] if seeded > 0 else []
        manage(env, "seed_scale", "--members", str(members), *reset)
        seed_seconds = round(time.monotonic() - t, 1)
    else:
        seed_seconds = None
    manage(env, "collectstatic", "--no-input", "--verbosity", "0")
    print(f"[{label}] preparing sessions, query counts, import and COPY floors…", flush=True)
    prepared = subprocess.run(
        [PYTHON, __file__, "prepare", "--import-rows", str(args.import_rows)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if prepared.returncode:
        sys.exit(f"[{label}] prepare failed:\n{prepared.stderr}")
    prep = json.loads(prepared.stdout.strip().splitlines()[-1])
    server = Server(env)
    results: dict = {"members": members, "seed_seconds": seed_seconds, "endpoints": {}, **prep["extra"]}
    try:
        for name, spec in prep["endpoints"].items():
            if args.only and args.only not in name and not name.startswith("floor"):
                continue
            cookie = prep["cookies"].get(spec["as"], "")
            row = latency(server.port, spec["url"], cookie, args.requests)
            row.update(throughput(server.port, spec["url"], cookie, args.seconds))
            row["queries"] = spec["queries"]
            row["url"] = spec["url"]
            results["endpoints"][name] = row
            print(
                f"[{label}] {name:<32} {row['median_ms']:>8} ms  {row['rps']:>7} req/s  {row['queries']} q", flush=True
            )
        results["export"] = export(server, prep["export_url"], prep["cookies"]["national"], prep["export_rows"])
        results["worker_rss_mb"] = [round(rss_mb(pid), 1) for pid in server.workers()]
    finally:
        server.stop()
    return results


def machine() -> dict:
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "nproc": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg(),
    }


def ratio(a: float | None, b: float | None, digits: int = 2) -> str:
    return f"{a / b:.{digits}f}" if a and b else "–"


def print_table(report: dict) -> str:
    large, small = report["large"], report["small"]
    floor = large["endpoints"]["floor (/health/)"]["rps"]
    view_floor = large["endpoints"].get("floor view (/robots.txt)", {}).get("rps")
    lines = [
        f"{'endpoint':<32} {'large ms':>9} {'p95':>8} {'small ms':>9} {'×':>5} {'req/s':>7} {'of floor':>8} "
        f"{'of view':>7} {'queries':>7}",
    ]
    for name, row in large["endpoints"].items():
        s = small["endpoints"].get(name, {})
        lines.append(
            f"{name:<32} {row['median_ms']:>9} {row['p95_ms']:>8} {s.get('median_ms', '–'):>9} "
            f"{ratio(row['median_ms'], s.get('median_ms')):>5} {row['rps']:>7} {ratio(row['rps'], floor):>8} "
            f"{ratio(row['rps'], view_floor):>7} {row['queries']:>7}"
        )
    for label, data in (("large", large), ("small", small)):
        e, imp = data["export"], data["import"]
        copy_out, copy_in = data["copy_export_rows_per_s"], data["copy_import_rows_per_s"]
        lines.append(
            f"[{label} {data['members']:,} members] CSV export {e['rows']:,} rows: {e['rows_per_s']:,} rows/s "
            f"(COPY {copy_out:,} rows/s, {ratio(e['rows_per_s'], copy_out)}×), "
            f"worker peak {e['worker_peak_rss_mb']} MB (+{e['worker_rss_growth_mb']} MB during export)"
        )
        copy_tables = data.get("copy_app_tables_rows_per_s")
        lines.append(
            f"[{label}] CSV import {imp['rows']:,} new people: {imp['rows_per_s']:,} rows/s "
            f"(COPY {copy_in:,} rows/s into a bare table, {ratio(imp['rows_per_s'], copy_in, 3)}×; "
            f"into the app's tables {copy_tables:,} rows/s, {ratio(imp['rows_per_s'], copy_tables)}×)"
        )
        lines.append(
            f"[{label}] CSV import of the same file again ({imp['again_unchanged']:,} unchanged): "
            f"{imp['again_rows_per_s']:,} rows/s ({ratio(imp['again_rows_per_s'], copy_in)}× bare COPY)"
        )
        dup = data["duplicates"]
        lines.append(
            f"[{label}] duplicates scan of one {dup['members']:,}-member chapter: {dup['scan_seconds_median']} s "
            f"(target < 10 s), {dup['pairs']:,} pairs, {dup['planted_found']} of {dup['planted']} planted found"
        )
        sign = data["signup"]
        lines.append(
            f"[{label}] signup {sign['signups_per_s']}/s in-process vs hasher {sign['hashes_per_s']}/s "
            f"({ratio(sign['signups_per_s'], sign['hashes_per_s'])}×); workers after: {data['worker_rss_mb']} MB"
        )
    lines += bench_segments.report_lines(large, small)
    lines += bench_broadcasts.report_lines(report["broadcasts"])
    table = "\n".join(lines)
    print(table)
    return table


def orchestrate(args: argparse.Namespace) -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    key_file = ROOT / ".data" / "secret_key"
    args.secret_key = key_file.read_text().strip() if key_file.exists() else secrets.token_urlsafe(50)
    base, _keep_alive = server_url()
    report = {"started": datetime.datetime.now(datetime.UTC).isoformat(), "machine": machine(), "quick": args.quick}
    for label, members in (("large", args.large), ("small", args.small)):
        name = f"coalition_bench_{label}"
        ensure_database(base, name)
        report[label] = bench_database(label, with_database(base, name), args, members)
    report["broadcasts"] = bench_broadcasts.run(base, args.quick)
    import psycopg

    with psycopg.connect(with_database(base, "postgres")) as conn:
        report["machine"]["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    report["table"] = print_table(report)
    report["events"] = bench_events.flatness(report)  # scripts/bench_events.py
    name = f"only-{args.only.replace(' ', '-')}.json" if args.only else "latest.json"
    (OUT_DIR / name).write_text(json.dumps(report, indent=2, default=str))
    print(f"Written to {OUT_DIR / name}")


# --------------------------------------------------------------------------------------
# `prepare`: runs inside Django, against one bench database
# --------------------------------------------------------------------------------------


def prepare(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")
    import django

    django.setup()
    from bench_duplicates import bench_duplicates  # noqa: PLC0415
    from bench_support import prepare_database  # noqa: PLC0415

    prepared = prepare_database(import_rows=args.import_rows)
    prepared["extra"]["duplicates"] = bench_duplicates(members=50_000, runs=3)
    print(json.dumps(prepared))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", nargs="?", default="run", choices=["run", "prepare"])
    parser.add_argument("--quick", action="store_true", help="20,000 vs 2,000 members, 3 s of throughput.")
    parser.add_argument("--large", type=int, help="Members in the large data set (default 1,000,000).")
    parser.add_argument("--small", type=int, help="Members in the small data set (default 10,000).")
    parser.add_argument("--seconds", type=float, help="Seconds of throughput per endpoint (default 10).")
    parser.add_argument("--requests", type=int, help="Sequential requests for the latency figures (default 100).")
    parser.add_argument("--import-rows", type=int, help="Rows in the CSV import (default 100,000).")
    parser.add_argument("--only", help="Measure only the endpoints whose name contains this (and the floor).")
    parser.add_argument("--reseed", action="store_true", help="Seed again even if the member count matches.")
    args = parser.parse_args()
    quick = args.quick
    args.large = args.large or (20_000 if quick else 1_000_000)
    args.small = args.small or (2_000 if quick else 10_000)
    args.seconds = args.seconds or (3.0 if quick else 10.0)
    args.requests = args.requests or (30 if quick else 100)
    args.import_rows = args.import_rows or (10_000 if quick else 100_000)
    if args.mode == "prepare":
        prepare(args)
    else:
        orchestrate(args)


if __name__ == "__main__":
    main()
