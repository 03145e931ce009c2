"""The API's numbers for `make bench` (issue 19), called by scripts/bench.py for each bench database.

    measure_api(env, label, args) -> dict   # from scripts/bench.py, with that database's env
    .venv/bin/python scripts/bench_api.py prepare   # inside Django: keys and URLs, printed as JSON

It serves the database with gunicorn as `make serve` does (its own instance, with the per-key rate
limit lifted so that the limit is not what is measured) and measures, in the same run:

- a page of 25 people with a national key: the first page, and the last page reached as clients
  reach it (the `after=` cursor its previous page's `next` link carries); median of one client;
- reading every person of the largest chapter with that chapter's key, page by page (100 a
  page, following `next`): people per second;
- the person signup helper from 8 concurrent clients (new people, each with a new address)
  against /health/ from 8 concurrent clients: requests per second.
"""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
CONCURRENCY = 8


def call(conn: http.client.HTTPConnection, method: str, path: str, token: str = "", body: dict | None = None):
    headers = {"Host": "127.0.0.1"}
    if token:
        headers["OSDI-API-Token"] = token
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def median_ms(port: int, path: str, token: str, count: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    statuses = set()
    for _ in range(3):
        statuses.add(call(conn, "GET", path, token)[0])
    times = []
    for _ in range(count):
        started = time.perf_counter()
        status, _ = call(conn, "GET", path, token)
        times.append((time.perf_counter() - started) * 1000)
        statuses.add(status)
    conn.close()
    times.sort()
    return {"median_ms": round(times[len(times) // 2], 2), "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
            "status": sorted(statuses)}  # fmt: skip


def read_all(port: int, first: str, token: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    path, people, pages = first, 0, 0
    started = time.perf_counter()
    while path:
        status, body = call(conn, "GET", path, token)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body[:200]!r}")
        data = json.loads(body)
        people += len(data["_embedded"]["osdi:people"])
        pages += 1
        link = data["_links"].get("next", {}).get("href")
        path = urlparse(link)._replace(scheme="", netloc="").geturl() if link else None
    elapsed = time.perf_counter() - started
    conn.close()
    return {"people": people, "pages": pages, "seconds": round(elapsed, 2), "people_per_s": round(people / elapsed)}


def concurrent(port: int, seconds: float, one) -> dict:
    done, errors = [0] * CONCURRENCY, [0] * CONCURRENCY
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop:
            try:
                status = one(conn, n)
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
    return {"rps": round(sum(done) / (time.monotonic() - started), 1), "errors": sum(errors)}


def measure_api(env: dict, label: str, args) -> dict:
    """The API's figures on the database `env` points at; `args` as scripts/bench.py parses them."""
    from bench import Server  # scripts/ is on sys.path when bench.py runs

    prepared = subprocess.run([PYTHON, __file__, "prepare"], cwd=ROOT, env=env, capture_output=True, text=True)
    if prepared.returncode:
        sys.exit(f"[{label}] API prepare failed:\n{prepared.stderr}")
    prep = json.loads(prepared.stdout.strip().splitlines()[-1])
    server = Server({**env, "API_RATE_LIMIT_PER_MINUTE": "100000000"}, ROOT / ".data" / "bench" / "gunicorn-api.log")
    try:
        port, national = server.port, prep["national_token"]
        first = median_ms(port, "/api/people/?per_page=25", national, args.requests)
        last = median_ms(port, prep["last_page"], national, args.requests)
        by_number = median_ms(port, "/api/people/?per_page=25&page=2", national, args.requests)
        chapter = read_all(port, "/api/people/?per_page=100", prep["chapter_token"])
        health = concurrent(port, args.seconds, lambda conn, n: call(conn, "GET", "/health/")[0])
        zips = prep["zips"]

        def sign_up(conn, n: int) -> int:
            address = f"bench-api-{uuid.uuid4().hex}@example.org"
            person = {
                "given_name": "Bench",
                "family_name": f"Api{n}",
                "postal_addresses": [{"postal_code": zips[n % len(zips)]}],
                "email_addresses": [{"address": address, "status": "subscribed"}],
            }
            return call(conn, "POST", "/api/people/", prep["write_token"], {"person": person})[0]

        signup = concurrent(port, args.seconds, sign_up)
    finally:
        server.stop()
    result = {
        "people page 1 (25)": first,
        "people last page (25, via next)": last,
        "people page 2 by number": by_number,
        "last/first": round(last["median_ms"] / first["median_ms"], 2),
        "largest chapter read": {**chapter, "chapter": prep["chapter"], "chapter_people": prep["chapter_people"]},
        "health rps (8 clients)": health,
        "signup helper rps (8 clients)": signup,
        "signup/health": round(signup["rps"] / health["rps"], 3) if health["rps"] else None,
    }
    print(f"[{label}] API: page 1 {first['median_ms']} ms, last page {last['median_ms']} ms; "
          f"largest chapter {chapter['people_per_s']:,} people/s; signup {signup['rps']}/s vs /health/ "
          f"{health['rps']}/s ({result['signup/health']})", flush=True)  # fmt: skip
    return result


def prepare() -> None:
    """Keys for the bench national coordinator, the largest chapter and its ZIPs, and the last page's URL."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")
    import django

    django.setup()
    from bench_support import national_user
    from django.db.models import Count

    from api.access import Access
    from api.models import ApiKey
    from chapters.models import Chapter, ZipCode
    from members.models import Member

    national = national_user()

    def token(chapter, scope) -> str:
        key = ApiKey(name="bench", chapter=chapter, scope=scope, created_by=national)
        secret = key.issue()
        key.save()
        return secret

    largest = Member.objects.exclude(chapter=None).values("chapter").annotate(n=Count("id")).order_by("-n").first()
    chapter = Chapter.objects.get(pk=largest["chapter"])
    everyone = Access(key=ApiKey(scope="read"), chapter_id=None).people()
    total = everyone.count()
    last_start = (total - 1) // 25 * 25
    after = everyone.order_by("pk").values_list("pk", flat=True)[last_start - 1] if last_start else None
    last_page = f"/api/people/?page={last_start // 25 + 1}&per_page=25" + (f"&after={after}" if after else "")
    zips = list(ZipCode.objects.filter(counties__chapter=chapter).values_list("code", flat=True).distinct()[:50])
    print(json.dumps({
        "national_token": token(None, ApiKey.Scope.READ),
        "chapter_token": token(chapter, ApiKey.Scope.READ),
        "write_token": token(chapter, ApiKey.Scope.WRITE),
        "chapter": chapter.name,
        "chapter_people": Access(key=ApiKey(scope="read"), chapter_id=chapter.pk).people().count(),
        "last_page": last_page,
        "zips": zips,
    }))  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:] == ["prepare"]:
        prepare()
    else:
        sys.exit("Run by scripts/bench.py (make bench); `prepare` runs inside Django.")
