"""Queue latency: the time from enqueueing a task to a worker starting it, at idle and while the worker imports a
100,000-row register, next to the limit measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/grassroots .venv/bin/python bench/bench_queue.py

1. Drops and creates a fresh database (default ``grassroots_bench_queue``), migrates it, loads the small test
   region (two villages, two grids each) and a village secretary.
2. Starts `grassroots worker` (TASK_WORKERS worker processes, default 2, the default poll interval) in a
   process of its own, as a county runs it.
3. Idle: enqueues ``--pings`` tasks one at a time (``time.time``, which does nothing worth measuring), each
   after the previous one finished, at a random phase against the poll; each task's result is the moment the
   worker called it (django-q's ``Task.started`` is stamped at enqueue, so it cannot tell).
4. Busy: writes a register of ``--rows`` rows, submits its import through ``spreadsheets.services.submit_import``
   (queued, as the page does), waits until a worker has taken it, and enqueues pings the same way until the
   import ends: one worker process is held by the import, the other takes the pings.
5. The limit, same run: a task cannot start before the worker next asks the queue, so the floor is on average
   half the poll interval plus one ``SELECT`` round trip (measured here), and at most the whole interval.
Prints p50 / p95 / max of each case beside the floor.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_claims_api import percentile  # noqa: E402
from bench_generate import fresh_database, server_facts  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="grassroots_bench_queue")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pings", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    url = fresh_database(os.environ.get("DATABASE_URL", ""), args.db)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django_q.models import Task
    from django_q.tasks import async_task

    from grassroots.areas import services as areas
    from grassroots.areas.models import Area
    from grassroots.audit.context import Actor
    from grassroots.core.testing import DIVISIONS, make_account, task_worker, wait_until
    from grassroots.spreadsheets import services as imports
    from grassroots.spreadsheets.models import ImportJob
    from grassroots.spreadsheets.tests.helpers import write_register

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    system = Actor.system("bench")
    areas.load_divisions(actor=system, divisions=DIVISIONS)
    areas.ensure_default_tags(actor=system)
    village = Area.objects.get(code="150426100223")
    for n in (1, 2):
        areas.create_grid(actor=system, village=village, name=f"第{n}网格", number=n)
    secretary = make_account("secretary", "village_secretary", village, system)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    facts = server_facts(connection.connection)

    def round_trip() -> float:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return time.perf_counter() - started

    trip = statistics.median(round_trip() for _ in range(200))
    poll = settings.Q_CLUSTER["poll"]

    def ping(n: int, label: str) -> float:
        time.sleep(random.uniform(0, poll))  # a random phase against the worker's poll
        enqueued = time.time()
        async_task("time.time", task_name=f"{label}-{n}")
        task = wait_until(lambda: Task.objects.filter(name=f"{label}-{n}").first(), what=f"ping {label}-{n}",
                          every=0.01, timeout=300)
        return task.result - enqueued  # time.time() as the worker called it

    work = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    env = {**os.environ, "TASK_WORKERS": str(args.workers), "LOG_LEVEL": "WARNING",
           "PRIVATE_UPLOAD_ROOT": str(work / "uploads"), "SECRET_KEY": settings.SECRET_KEY}
    settings.PRIVATE_UPLOAD_ROOT = work / "uploads"
    log = work / "worker.log"
    print(f"PostgreSQL {facts['server']} · worker processes {args.workers} · poll {poll} s · "
          f"SELECT 1 round trip p50 {trip * 1000:.2f} ms")
    with task_worker(env, log):
        ping(0, "warm")  # the worker is up and has asked the queue once
        idle = [ping(n, "idle") for n in range(args.pings)]

        path = work / "register.xlsx"
        started = time.perf_counter()
        write_register(path, people=args.rows)
        print(f"register of {args.rows:,} rows written in {time.perf_counter() - started:.1f} s")
        job = imports.submit_import(actor=system, user=secretary, village=village, key="bench",
                                    upload=SimpleUploadedFile(path.name, path.read_bytes()))
        wait_until(lambda: ImportJob.objects.filter(pk=job.pk).exclude(status="pending").exists(),
                   what="the worker to take the import", timeout=300, log_path=log)
        started = time.perf_counter()
        busy = []
        while not ImportJob.objects.get(pk=job.pk).is_finished:
            busy.append(ping(len(busy), "busy"))
        took = time.perf_counter() - started
        job.refresh_from_db()
    print(f"import: {job.get_status_display()} ({job.people_created:,} people) in {took:.1f} s after it was taken")

    def row(label: str, values: list[float]) -> str:
        values = sorted(values)
        return (f"{label:<28} n={len(values):<4} p50 {percentile(values, 50) * 1000:7.1f} ms   "
                f"p95 {percentile(values, 95) * 1000:7.1f} ms   max {values[-1] * 1000:7.1f} ms")

    print()
    print(f"{'floor (poll/2 + round trip)':<28} {'':<6} p50 {(poll / 2 + trip) * 1000:7.1f} ms   "
          f"max {(poll + trip) * 1000:7.1f} ms")
    print(row("enqueue → start, idle", idle))
    if busy:
        print(row("enqueue → start, importing", busy))
    subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main()
