"""`make soak`: mixed traffic against the app as production serves it, clean and across a database restart.

    .venv/bin/python scripts/soak.py [--seconds 60] [--clients 6] [--phases clean,restart]

The orchestrator (no Django in its own process) starts a dedicated embedded PostgreSQL
under .data/soak/ (so restarting it disturbs neither the test suite nor `make run`),
creates the database `coalition_soak` afresh, migrates it and seeds a small data set
(`seed_scale`), makes session cookies for some members (`scripts/soak.py prepare`, in a
Django process), and serves it with gunicorn as `make serve` does (bench.py's Server).

Then, per phase, client threads send for `--seconds`: page views (home, chapter pages,
endorsements wall, find-your-chapter, calls, question), signups through the join form
(GET for the CSRF token, then POST), profile edits by logged-in members and answers to
the question. Each simulated person has their own loopback address (127.x.y.z), so
the per-IP rate limits see many visitors as in production. In the `restart` phase
PostgreSQL is restarted (`pg_ctl restart -m fast`) halfway through.

A write is *accepted* when the server answers it with its success redirect; 503 means
"not accepted, try later". Afterwards every accepted write must be in the database:
each signup's user and membership, each member's last accepted profile edit (or a later
one), each answer with its choice. The run fails on any 5xx other than 503, any 503
outside the restart phase or without Retry-After and the 503 page, any dropped connection, any 4xx, any
lost write, a write kind with nothing accepted, or an app that still fails after
PostgreSQL is back. It prints a table and writes .data/soak/latest.json.
"""

import argparse
import base64
import dataclasses
import datetime
import hashlib
import html
import http.client
import http.cookies
import itertools
import json
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import PYTHON, ROOT, SERVE_ENV, Server, machine, manage, with_database  # noqa: E402

OUT_DIR = ROOT / ".data" / "soak"
DATABASE = "coalition_soak"
PASSWORD = "correct-horse-battery-staple"
TIMEOUT = 60
# After PostgreSQL is back, the app must answer normally again within this many seconds.
RECOVERY_LIMIT_S = 10.0
# What each client thread does, by weight.
MIX = {"view": 60, "signup": 8, "edit": 16, "answer": 16}
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
# The profile form's marker of the version it was opened at (lib/edit_conflicts.py).
EDIT_VERSION_FIELD = re.compile(rb'name="edit_version" value="([^"]*)"')
VISITOR_COOKIE = "coalition_visitor"
FRIENDLY_503 = b"We will be back in a moment"  # templates/503.html
EDIT_PREFIX = "Soak-"
SEED = ["--members", "300", "--endorsements", "200", "--answers", "300", "--no-progress"]
# The template's set-up in one Django process (each start-up costs seconds on a loaded machine).
BUILD = (
    "from django.core.management import call_command; "
    "call_command('migrate', interactive=False, verbosity=0); call_command('createcachetable'); "
    f"call_command('seed_scale', *{SEED!r})"
)


# --------------------------------------------------------------------------------------
# Bookkeeping: what was sent, what the server accepted, and what the database kept
# --------------------------------------------------------------------------------------


@dataclasses.dataclass
class Ledger:
    """The writes the server accepted: the database must hold every one of them afterwards."""

    signups: list[str] = dataclasses.field(default_factory=list)  # emails
    edits: dict[int, int] = dataclasses.field(default_factory=dict)  # user id -> last accepted edit number
    answers: dict[str, str] = dataclasses.field(default_factory=dict)  # visitor token -> choice

    def accepted(self) -> dict[str, int]:
        return {"signups": len(self.signups), "edits": len(self.edits), "answers": len(self.answers)}


def edit_number(last_name: str) -> int:
    return int(last_name.removeprefix(EDIT_PREFIX)) if last_name.startswith(EDIT_PREFIX) else -1


def lost_writes(cursor, ledger: Ledger) -> dict[str, list]:
    """The accepted writes the database does not hold; `cursor` is any DB-API cursor on the app's database."""
    cursor.execute(
        "SELECT u.email FROM members_user u JOIN members_member m ON m.user_id = u.id WHERE u.email = ANY(%s)",
        [ledger.signups],
    )
    kept = {row[0] for row in cursor.fetchall()}
    signups = sorted(set(ledger.signups) - kept)

    cursor.execute("SELECT id, last_name FROM members_user WHERE id = ANY(%s)", [list(ledger.edits)])
    names = dict(cursor.fetchall())
    # Edits of one member are sequential, and a later edit may have been saved even when its answer was lost.
    edits = sorted(user for user, number in ledger.edits.items() if edit_number(names.get(user, "")) < number)

    cursor.execute("SELECT visitor, choice FROM question_answer WHERE visitor = ANY(%s)", [list(ledger.answers)])
    choices = dict(cursor.fetchall())
    answers = sorted(token for token, choice in ledger.answers.items() if choices.get(token) != choice)
    return {"signups": signups, "edits": edits, "answers": answers}


def half_saved_signups(cursor, prefix: str = "soak-") -> list[str]:
    """Accounts the soak created without their membership: a signup must be all or nothing, accepted or not."""
    cursor.execute(
        "SELECT u.email FROM members_user u LEFT JOIN members_member m ON m.user_id = u.id "
        "WHERE u.email LIKE %s AND m.id IS NULL ORDER BY u.email",
        [prefix + "%"],
    )
    return [row[0] for row in cursor.fetchall()]


def visitor_token(cookie_value: str) -> str:
    """The answer's visitor token from the signed cookie (django.core.signing: base64 JSON, timestamp, signature)."""
    payload = cookie_value.strip('"').rsplit(":", 2)[0]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class Recorder:
    """Every response's status (or "dropped" for a connection error) with its time since the phase began."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.events: list[tuple[float, str, object]] = []
        self.unfriendly_503 = 0
        self.rejections: Counter = Counter()
        self.ledger = Ledger()
        self.examples: dict[str, str] = {}

    def now(self) -> float:
        return time.monotonic() - self.started

    def record(self, started: float, kind: str, status: object, detail: str = "") -> None:
        """`started`: when the request was sent, so a 503 is judged by when it asked, not when it was answered."""
        with self.lock:
            self.events.append((started, kind, status))
            if detail and str(status) not in self.examples:
                self.examples[str(status)] = f"{kind}: {detail}"[:300]

    def rejected(self, kind: str, path: str) -> None:
        """A valid form sent back with errors (200): the server refused a write it should have taken."""
        with self.lock:
            self.rejections[kind] += 1
            self.examples.setdefault(f"rejected {kind}", f"POST {path} answered 200 (form errors)")


# --------------------------------------------------------------------------------------
# HTTP: one simulated person, with their own address and cookies
# --------------------------------------------------------------------------------------

_addresses = itertools.count(1)


def next_address() -> str:
    n = next(_addresses)
    return f"127.{10 + n // 62_500}.{n // 250 % 250}.{n % 250 + 1}"


class Person:
    def __init__(self, port: int, recorder: Recorder, cookies: dict[str, str] | None = None) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT, source_address=(next_address(), 0))
        self.recorder = recorder
        self.cookies = dict(cookies or {})

    def send(self, kind: str, method: str, path: str, form: dict | None = None):
        """(status, headers, body), or None when the connection failed (recorded as "dropped")."""
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = self.recorder.now()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.recorder.record(started, kind, "dropped", f"{method} {path}: {exc!r}")
            return None
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                self.cookies[name] = morsel.coded_value
        status = response.status
        # /health/ answers load balancers in JSON; people get the 503 page.
        page = kind == "health" or FRIENDLY_503 in data
        if status == 503 and not (response.headers.get("Retry-After") and page):
            with self.recorder.lock:
                self.recorder.unfriendly_503 += 1
        self.recorder.record(started, kind, status, f"{method} {path}" if status >= 400 else "")
        if method == "POST" and status == 200:
            self.recorder.rejected(kind, path)
        return status, response.headers, data

    def form_token(self, kind: str, path: str) -> str | None:
        fields = self.form_fields(kind, path, CSRF_FIELD)
        return fields[0] if fields else None

    def form_fields(self, kind: str, path: str, *patterns: re.Pattern) -> list[str] | None:
        """GET a form and read the hidden values it carries; None when the page or one is missing."""
        result = self.send(kind, "GET", path)
        if result is None or result[0] != 200:
            return None
        matches = [pattern.search(result[2]) for pattern in patterns]
        if not all(matches):
            return None
        return [html.unescape(match.group(1).decode()) for match in matches]

    def close(self) -> None:
        self.conn.close()


# --------------------------------------------------------------------------------------
# The traffic
# --------------------------------------------------------------------------------------


class Traffic:
    def __init__(self, port: int, plan: dict, recorder: Recorder, run_id: str, edit_numbers: dict[int, int]) -> None:
        self.port = port
        self.plan = plan
        self.recorder = recorder
        self.run_id = run_id
        self.signup_numbers = itertools.count(1)
        self.edit_numbers = edit_numbers  # carried across phases, so numbers keep growing

    def view(self, rng: random.Random, person: Person) -> None:
        plan = self.plan
        path = rng.choice(
            [
                "/",
                f"/chapters/{rng.choice(plan['chapters'])}/",
                "/endorsements/",
                f"/endorsements/?state={rng.choice(plan['states'])}",
                f"/chapters/find/?zip={rng.choice(plan['places'])[0]}",
                "/calls/",
                "/question/",
            ]
        )
        person.send("view", "GET", path)

    def signup(self, rng: random.Random) -> None:
        """One newcomer; one in four double-clicks, sending the same form twice at once."""
        person = Person(self.port, self.recorder)
        try:
            token = person.form_token("signup", "/join/")
            if token is None:
                return
            email = f"soak-{self.run_id}-{next(self.signup_numbers)}@soak.example.org"
            zip_code, county = rng.choice(self.plan["places"])
            form = {
                "csrfmiddlewaretoken": token,
                "first_name": "Sam",
                "last_name": "Soak",
                "email": email,
                "password1": PASSWORD,
                "zip_code": zip_code,
                "county": county,
                "email_updates": "on",
            }
            if rng.random() < 0.25:
                twin = Person(self.port, self.recorder, person.cookies)
                results = [None, None]
                threads = [
                    threading.Thread(
                        target=lambda i=i, p=p: results.__setitem__(i, p.send("signup", "POST", "/join/", form))
                    )
                    for i, p in enumerate((person, twin))
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                twin.close()
            else:
                results = [person.send("signup", "POST", "/join/", form)]
            if any(result is not None and result[0] == 302 for result in results):
                with self.recorder.lock:
                    self.recorder.ledger.signups.append(email)
        finally:
            person.close()

    def edit(self, member: dict, person: Person) -> None:
        fields = person.form_fields("edit", "/profile/", CSRF_FIELD, EDIT_VERSION_FIELD)
        if fields is None:
            return
        token, edit_version = fields
        number = self.edit_numbers[member["user"]] = self.edit_numbers.get(member["user"], 0) + 1
        form = {
            "csrfmiddlewaretoken": token,
            "edit_version": edit_version,
            "first_name": member["first_name"],
            "last_name": f"{EDIT_PREFIX}{number}",
            "phone": "",
            "zip_code": member["zip"],
            "county": member["county"],
            "email_updates": "on",
        }
        result = person.send("edit", "POST", "/profile/", form)
        if result is not None and result[0] == 302 and result[1].get("Location", "").endswith("/profile/"):
            with self.recorder.lock:
                self.recorder.ledger.edits[member["user"]] = number

    def answer(self, rng: random.Random) -> None:
        person = Person(self.port, self.recorder)
        try:
            token = person.form_token("answer", "/question/")
            if token is None:
                return
            choice = rng.choice(["yes", "no", "unsure"])
            form = {"csrfmiddlewaretoken": token, "choice": choice, "state": rng.choice(self.plan["states"])}
            result = person.send("answer", "POST", "/question/answer/", form)
            if result is not None and result[0] == 302 and VISITOR_COOKIE in person.cookies:
                with self.recorder.lock:
                    self.recorder.ledger.answers[visitor_token(person.cookies[VISITOR_COOKIE])] = choice
        finally:
            person.close()

    def client(self, n: int, members: list[dict], stop: float) -> None:
        rng = random.Random(n)
        browser = Person(self.port, self.recorder)
        sessions = [(m, Person(self.port, self.recorder, {m["cookie_name"]: m["cookie_value"]})) for m in members]
        kinds, weights = zip(*MIX.items(), strict=True)
        while time.monotonic() < stop:
            kind = rng.choices(kinds, weights)[0]
            if kind == "view":
                self.view(rng, browser)
            elif kind == "signup":
                self.signup(rng)
            elif kind == "answer":
                self.answer(rng)
            elif sessions:
                member, person = sessions[rng.randrange(len(sessions))]
                self.edit(member, person)
        browser.close()
        for _, person in sessions:
            person.close()


def probe_health(port: int, recorder: Recorder, stop: float) -> None:
    """/health/ four times a second: the outage's start and end, seen from outside."""
    person = Person(port, recorder)
    while time.monotonic() < stop:
        person.send("health", "GET", "/health/")
        time.sleep(0.25)
    person.close()


def restart_postgres(data_dir: Path, recorder: Recorder, at: float, timing: dict) -> None:
    from devtools import embedded_db

    time.sleep(max(0.0, at - recorder.now()))
    timing["restart_started_s"] = round(recorder.now(), 2)
    embedded_db.restart(data_dir)
    timing["restart_done_s"] = round(recorder.now(), 2)


def recovered(port: int, plan: dict, workers: int) -> tuple[bool, list]:
    """After the run: fresh connections to every worker get normal pages, and a signup goes through."""
    recorder = Recorder()
    traffic = Traffic(port, plan, recorder, "recovery-" + secrets.token_hex(3), {})
    for _ in range(3 * workers):
        person = Person(port, recorder)
        person.send("view", "GET", "/")
        person.close()
    traffic.signup(random.Random(0))
    statuses = [status for _, _, status in recorder.events]
    ok = all(isinstance(s, int) and s < 400 for s in statuses) and len(recorder.ledger.signups) == 1
    return ok, sorted(Counter(map(str, statuses)).items())


def run_phase(name: str, server: Server, plan: dict, args: argparse.Namespace, edit_numbers: dict) -> dict:
    print(f"[{name}] {args.seconds:.0f} s of traffic from {args.clients} clients…", flush=True)
    recorder = Recorder()
    traffic = Traffic(server.port, plan, recorder, f"{name}-{secrets.token_hex(3)}", edit_numbers)
    stop = time.monotonic() + args.seconds
    members = plan["members"]
    threads = [
        threading.Thread(target=traffic.client, args=(n, members[n :: args.clients], stop)) for n in range(args.clients)
    ]
    threads.append(threading.Thread(target=probe_health, args=(server.port, recorder, stop)))
    timing: dict = {}
    if name == "restart":
        threads.append(threading.Thread(target=restart_postgres, args=(OUT_DIR, recorder, args.seconds / 2, timing)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = recorder.now()
    return {"elapsed": elapsed, "recorder": recorder, "timing": timing, "run_id": traffic.run_id}


def summarise(
    name: str, phase: dict, lost: dict, recovery: tuple[bool, list] | None, half_saved: list[str] = ()
) -> tuple[dict, list[str]]:
    recorder, timing = phase["recorder"], phase["timing"]
    events = recorder.events
    statuses = Counter(str(status) for _, _, status in events)
    by_kind = {
        kind: dict(sorted(Counter(str(s) for _, k, s in events if k == kind).items()))
        for kind in ("view", "signup", "edit", "answer", "health")
    }
    unavailable = [t for t, _, status in events if status == 503]
    result = {
        "seconds": round(phase["elapsed"], 1),
        "requests": len(events),
        "requests_per_s": round(len(events) / phase["elapsed"], 1),
        "statuses": dict(sorted(statuses.items())),
        "by_kind": by_kind,
        "accepted": recorder.ledger.accepted(),
        "lost": {kind: len(items) for kind, items in lost.items()},
        "lost_examples": {kind: items[:5] for kind, items in lost.items() if items},
        "half_saved_signups": len(half_saved),
        "error_examples": recorder.examples,
        "status_503": len(unavailable),
        "unfriendly_503": recorder.unfriendly_503,
        "rejected": dict(recorder.rejections),
        **timing,
    }
    if "restart_done_s" in timing:
        result["postgres_down_s"] = round(timing["restart_done_s"] - timing["restart_started_s"], 2)
        if unavailable:
            result["first_503_s"], result["last_503_s"] = round(min(unavailable), 2), round(max(unavailable), 2)
            result["unavailable_s"] = round(max(unavailable) - min(unavailable), 2)
        # How long after PostgreSQL was back the app still answered 503 (0: at once).
        result["recovery_s"] = round(max([timing["restart_done_s"], *unavailable]) - timing["restart_done_s"], 2)
    if recovery is not None:
        result["recovered"], result["recovery_check"] = recovery[0], recovery[1]

    failures = []
    for status, count in statuses.items():
        if status == "dropped":
            failures.append(f"{count} dropped connections (reset or no answer)")
        elif status == "503":
            if name != "restart":
                failures.append(f"{count} × 503 without an outage")
        elif int(status) >= 400:
            failures.append(f"{count} × {status}")
    for kind, count in recorder.rejections.items():
        failures.append(f"{count} valid {kind} forms refused with errors")
    if recorder.unfriendly_503:
        failures.append(f"{recorder.unfriendly_503} × 503 without Retry-After or without the 503 page")
    for kind, items in lost.items():
        if items:
            failures.append(f"{len(items)} lost {kind}, e.g. {items[:3]}")
    if half_saved:
        failures.append(f"{len(half_saved)} accounts saved without their membership, e.g. {half_saved[:3]}")
    for kind, count in result["accepted"].items():
        if not count:
            failures.append(f"no {kind} accepted at all")
    if name == "restart":
        if "restart_done_s" not in timing:
            failures.append("PostgreSQL was not restarted")
        elif result["recovery_s"] > RECOVERY_LIMIT_S:
            failures.append(f"503s went on {result['recovery_s']} s after PostgreSQL was back")
        if recovery is not None and not recovery[0]:
            failures.append(f"the app did not recover: {recovery[1]}")
    return result, [f"[{name}] {failure}" for failure in failures]


def print_table(report: dict) -> str:
    lines = [
        f"{'phase':<8} {'requests':>8} {'req/s':>6} {'statuses':<34} {'signups':>7} {'edits':>6} {'answers':>7} "
        f"{'lost':>4}",
    ]
    for name, phase in report["phases"].items():
        statuses = " ".join(f"{k}×{v}" for k, v in phase["statuses"].items())
        accepted = phase["accepted"]
        lines.append(
            f"{name:<8} {phase['requests']:>8} {phase['requests_per_s']:>6} {statuses:<34} {accepted['signups']:>7} "
            f"{accepted['edits']:>6} {accepted['answers']:>7} {sum(phase['lost'].values()):>4}"
        )
        if "restart_done_s" in phase:
            lines.append(
                f"         PostgreSQL restarted at {phase['restart_started_s']} s, down {phase['postgres_down_s']} s; "
                f"{phase['status_503']} × 503 over {phase.get('unavailable_s', 0)} s; app normal again "
                f"{phase['recovery_s']} s after PostgreSQL; "
                f"recovery check {'ok' if phase.get('recovered') else 'FAILED'}"
            )
    lines.append(f"set-up {report['setup_s']} s, whole run {report['total_s']} s; {report['verdict']}")
    for failure in report["failures"]:
        lines.append(f"  FAIL {failure}")
    table = "\n".join(lines)
    print(table)
    return table


# --------------------------------------------------------------------------------------
# The orchestrator
# --------------------------------------------------------------------------------------


def template_name() -> str:
    """The migrated and seeded template's name: it changes with the migrations, the seed and the geography."""
    digest = hashlib.sha256(" ".join(SEED).encode())
    sources = [*ROOT.glob("*/migrations/*.py"), ROOT / "chapters" / "geo.py", ROOT / "devtools" / "scale.py"]
    for path in sorted([*sources, ROOT / "requirements.txt"]):
        digest.update(path.relative_to(ROOT).as_posix().encode() + path.read_bytes())
    return f"{DATABASE}_template_{digest.hexdigest()[:12]}"


def fresh_database(base: str, env: dict) -> str:
    """`coalition_soak`, copied from a template that is migrated and seeded once per schema (a few seconds saved)."""
    import psycopg

    template, building = template_name(), f"{DATABASE}_building"
    admin = with_database(base, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        names = [row[0] for row in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'coalition_soak%'")]
        for name in names:
            if name != template:  # last run's database, older templates, a half-built one
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if template not in names:
            conn.execute(f'CREATE DATABASE "{building}"')
    if template not in names:
        print("[set-up] migrating and seeding a small template database…", flush=True)
        manage({**env, "DATABASE_URL": with_database(base, building)}, "shell", "--no-imports", "-c", BUILD)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{DATABASE}" TEMPLATE "{template}"')
    return with_database(base, DATABASE)


def orchestrate(args: argparse.Namespace) -> int:
    started = time.monotonic()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    from devtools import embedded_db

    settings = embedded_db.start(OUT_DIR)
    base = f"postgresql://{settings['USER']}@{quote(settings['HOST'], safe='')}/postgres"
    env = {**os.environ, **SERVE_ENV, "SECRET_KEY": secrets.token_urlsafe(50), "CONN_MAX_AGE": "60"}
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    env.pop("EMBEDDED_DB", None)
    # Needs no database: done while the database is made.
    collectstatic = subprocess.Popen(
        [PYTHON, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": with_database(base, "postgres")},
    )
    url = env["DATABASE_URL"] = fresh_database(base, env)
    if collectstatic.wait():
        sys.exit("collectstatic failed")
    prepared = subprocess.run(
        [PYTHON, __file__, "prepare", "--members", str(args.members)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if prepared.returncode:
        sys.exit(f"prepare failed:\n{prepared.stderr}")
    plan = json.loads(prepared.stdout.strip().splitlines()[-1])
    log = OUT_DIR / "gunicorn.log"
    log.unlink(missing_ok=True)  # this run's log only: it is searched for tracebacks below
    server = Server(env, log)
    setup_s = round(time.monotonic() - started, 1)
    report: dict = {
        "started": datetime.datetime.now(datetime.UTC).isoformat(),
        "machine": machine(),
        "clients": args.clients,
        "workers": len(server.workers()),
        "mix": MIX,
        "setup_s": setup_s,
        "phases": {},
    }
    failures: list[str] = []
    edit_numbers: dict[int, int] = {}
    try:
        import psycopg

        for name in args.phases:
            phase = run_phase(name, server, plan, args, edit_numbers)
            recovery = recovered(server.port, plan, len(server.workers())) if name == "restart" else None
            with psycopg.connect(url) as conn, conn.cursor() as cursor:
                lost = lost_writes(cursor, phase["recorder"].ledger)
                half = half_saved_signups(cursor, f"soak-{phase['run_id']}-")
            result, phase_failures = summarise(name, phase, lost, recovery, half)
            report["phases"][name] = result
            failures += phase_failures
            print(f"[{name}] {result['requests']} requests, statuses {result['statuses']}", flush=True)
    finally:
        server.stop()
    text = log.read_text(errors="replace")
    report["server_log"] = {"tracebacks": text.count("Traceback (most recent call last)")}
    if report["server_log"]["tracebacks"]:
        failures.append(f"{report['server_log']['tracebacks']} tracebacks in {log}")
    report["failures"] = failures
    report["verdict"] = "FAILED" if failures else "passed: no 5xx but the outage's 503s, nothing lost, recovered"
    report["total_s"] = round(time.monotonic() - started, 1)
    report["table"] = print_table(report)
    (OUT_DIR / "latest.json").write_text(json.dumps(report, indent=2, default=str))
    print(f"Written to {OUT_DIR / 'latest.json'}; gunicorn's log in {log}")
    return 1 if failures else 0


# --------------------------------------------------------------------------------------
# `prepare`: runs inside Django, against the soak database
# --------------------------------------------------------------------------------------


def prepare(members: int) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")
    import django

    django.setup()
    from bench_support import session_cookie

    from chapters.models import Chapter, County, State
    from devtools.scale import SEED_PASSWORD
    from members.models import Member

    counties = County.objects.filter(chapter__isnull=False).prefetch_related("zip_codes").order_by("fips")[:60]
    places = [(zip_code.code, county.fips) for county in counties for zip_code in list(county.zip_codes.all())[:3]]
    chosen = (
        Member.objects.filter(status=Member.Status.ACTIVE, user__password=SEED_PASSWORD)
        .select_related("user")
        .order_by("pk")[:members]
    )
    people = []
    for member in chosen:
        name, value = session_cookie(member.user)[0].split("=", 1)
        people.append(
            {
                "user": member.user_id,
                "first_name": member.user.first_name,
                "zip": member.zip_code_id,
                "county": member.county_id,
                "cookie_name": name,
                "cookie_value": value,
            }
        )
    return {
        "places": places,
        "chapters": list(Chapter.objects.exclude(status=Chapter.Status.DORMANT).values_list("slug", flat=True)[:30]),
        "states": list(State.objects.order_by("code").values_list("code", flat=True)),
        "members": people,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", nargs="?", default="run", choices=["run", "prepare"])
    parser.add_argument("--seconds", type=float, default=60.0, help="Seconds of traffic per phase (default 60).")
    parser.add_argument("--clients", type=int, default=6, help="Concurrent client threads (default 6).")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's, as make serve).")
    parser.add_argument("--members", type=int, default=60, help="Logged-in members who edit their profile.")
    parser.add_argument(
        "--phases", type=lambda s: s.split(","), default=["clean", "restart"], help="Default: clean,restart."
    )
    args = parser.parse_args()
    if args.mode == "prepare":
        print(json.dumps(prepare(args.members)))
    else:
        sys.exit(orchestrate(args))


if __name__ == "__main__":
    main()
