"""How fast does generate_population write, and how close is that to a raw COPY of the same rows?

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/grassroots \\
        .venv/bin/python bench/bench_generate.py --households 1000000

1. Drops and creates a fresh database for the bench (default ``grassroots_bench``, on the server of
   DATABASE_URL; the user must be allowed to create databases) and migrates it.
2. Runs ``generate_population`` (all of Inner Mongolia unless --county is given) and times it.
3. In the same run, measures the limit: copies the very rows it wrote (read back chunk by chunk,
   untimed) into plain tables of the same shape, indexes and foreign keys
   (``CREATE TABLE … (LIKE areas_… INCLUDING ALL)``) with COPY, one transaction per chunk of the same
   size, timing only the writes.
4. Prints one table: households/s, people/s, rows/s, and the ratio of the two.

The figures only mean something against the limit measured in the same run (PERFORMANCE.md).
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TABLES = ("areas_household", "areas_person", "areas_person_tags")


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def fresh_database(url: str, name: str) -> str:
    import psycopg

    if urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("bench_generate needs DATABASE_URL=postgres://… (the figures must come from PostgreSQL)")
    with psycopg.connect(_with_db(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return _with_db(url, name)


def server_facts(conn) -> dict:
    facts = {"server": conn.execute("SHOW server_version").fetchone()[0]}
    for setting in ("shared_buffers", "fsync", "synchronous_commit", "max_wal_size", "wal_level"):
        facts[setting] = conn.execute(f"SHOW {setting}").fetchone()[0]
    return facts


def create_raw_tables(conn) -> None:
    """bench_* tables: LIKE the real ones INCLUDING ALL, plus the same foreign keys, re-pointed."""
    rename = {t: "bench_" + t.removeprefix("areas_") for t in TABLES}
    for copy in rename.values():
        conn.execute(f"DROP TABLE IF EXISTS {copy} CASCADE")
    for table, copy in rename.items():
        conn.execute(f"CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)")
    for table, copy in rename.items():
        rows = conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            [table]).fetchall()
        for name, definition in rows:
            for real, fake in rename.items():
                definition = definition.replace(f"REFERENCES {real}(", f"REFERENCES {fake}(")
            conn.execute(f"ALTER TABLE {copy} ADD CONSTRAINT bench_{name} {definition}")
    conn.commit()


def raw_copy(url: str, chunk_households: int) -> dict:
    """COPY the generated rows into the bench_* tables, chunk by chunk; time only the writes."""
    import psycopg

    columns = {}
    with psycopg.connect(url) as reader, psycopg.connect(url) as writer:
        create_raw_tables(writer)
        for t in TABLES:
            columns[t] = [r[0] for r in reader.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                "AND NOT attisdropped ORDER BY attnum", [t]).fetchall()]
        lo, hi = reader.execute("SELECT min(id), max(id) FROM areas_household").fetchone()
        reader.commit()
        writer.execute("CHECKPOINT")
        writer.commit()
        queries = {
            "areas_household": "SELECT {cols} FROM areas_household WHERE id BETWEEN {a} AND {b} ORDER BY id",
            "areas_person": "SELECT {cols} FROM areas_person WHERE household_id BETWEEN {a} AND {b} ORDER BY id",
            "areas_person_tags": "SELECT {cols} FROM areas_person_tags t JOIN areas_person p ON p.id = t.person_id "
                                 "WHERE p.household_id BETWEEN {a} AND {b} ORDER BY t.id",
        }
        rows = dict.fromkeys(TABLES, 0)
        seconds = dict.fromkeys(TABLES, 0.0)
        commit_seconds = 0.0
        start = lo
        while lo is not None and start <= hi:
            end = start + chunk_households - 1
            data = {}
            for t in TABLES:
                prefix = "t." if t == "areas_person_tags" else ""
                cols = ", ".join(prefix + c for c in columns[t])
                buf = bytearray()
                with reader.cursor().copy(f"COPY ({queries[t].format(cols=cols, a=start, b=end)}) TO STDOUT") as cp:
                    for block in cp:
                        buf += block
                data[t] = bytes(buf)
                rows[t] += data[t].count(b"\n")
            reader.commit()
            for t in TABLES:
                copy_name = "bench_" + t.removeprefix("areas_")
                t0 = time.perf_counter()
                with writer.cursor().copy(f"COPY {copy_name} ({', '.join(columns[t])}) FROM STDIN") as cp:
                    view = memoryview(data[t])
                    for i in range(0, len(view), 1 << 20):
                        cp.write(view[i:i + (1 << 20)])
                seconds[t] += time.perf_counter() - t0
            t0 = time.perf_counter()
            writer.commit()
            commit_seconds += time.perf_counter() - t0
            start = end + 1
    return {"rows": rows, "seconds": seconds, "commit_seconds": commit_seconds,
            "total_seconds": sum(seconds.values()) + commit_seconds}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--county", action="append", dest="counties", metavar="CODE",
                        help="旗县区 code (6 or 12 digits); repeat for several; default all of Inner Mongolia")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--id-share", type=float, default=0.6)
    parser.add_argument("--chunk", type=int, default=20_000, help="households per transaction")
    parser.add_argument("--db", default="grassroots_bench", help="name of the database to (re)create")
    parser.add_argument("--no-raw", action="store_true", help="skip the raw COPY comparison")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    bench_url = fresh_database(url, args.db)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from grassroots.areas.generate import generate_population
    from grassroots.audit.context import Actor

    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("CHECKPOINT")
    facts = server_facts(connection.connection)
    print(f"database {args.db} on PostgreSQL {facts['server']}; fsync={facts['fsync']} "
          f"synchronous_commit={facts['synchronous_commit']} shared_buffers={facts['shared_buffers']} "
          f"max_wal_size={facts['max_wal_size']}; {os.cpu_count()} cores (shared with the server)", flush=True)

    last = [time.perf_counter()]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 15 or done == total:
            last[0] = time.perf_counter()
            print(f"  … {done:,} / {total:,} households", flush=True)

    result = generate_population(actor=Actor.system("bench_generate"), households=args.households,
                                 county_codes=args.counties, seed=args.seed, id_share=args.id_share,
                                 chunk_size=args.chunk, progress=progress)
    gen_rows = result["households"] + result["persons"] + result["person_tags"]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    connection.close()

    raw = None if args.no_raw else raw_copy(bench_url, args.chunk)

    s = result["seconds"]
    width = 44
    print()
    print(f"N = {result['households']:,} households, {result['persons']:,} people, "
          f"{result['person_tags']:,} person tags, {result['id_numbers']:,} sealed ID numbers "
          f"(id_share {args.id_share}), {result['villages']:,} villages, {result['grids_created']:,} grids created; "
          f"max RSS after generating {rss_mb:,.0f} MB")
    print()
    print(f"{'':{width}} {'seconds':>9} {'households/s':>13} {'people/s':>10} {'rows/s':>10}")

    def line(label, seconds, households=None, people=None, rows=None):
        def rate(n):
            return f"{n / seconds:,.0f}" if n and seconds else ""
        print(f"{label:{width}} {seconds:9.1f} {rate(households):>13} {rate(people):>10} {rate(rows):>10}")

    line("generate_population, end to end", s, result["households"], result["persons"], gen_rows)
    line("  set-up (divisions, tags, grids, numbers)", result["setup_seconds"])
    line("  making rows in Python (incl. below)", result["generate_seconds"])
    line("    ID numbers: make, seal (AES-GCM), digest", result["id_seconds"])
    line("    pinyin of new names (cache misses)", result["pinyin_seconds"])
    line("  formatting COPY data, reserving ids", result["format_seconds"])
    line("  writing: COPY + commit per chunk" + (" (thread)" if result["write_overlapped"] else ""),
         result["write_seconds"], result["households"], result["persons"], gen_rows)
    line("  making waited for the writer", result["waited_for_writer_seconds"])
    if raw:
        raw_rows = sum(raw["rows"].values())
        assert raw["rows"]["areas_household"] == result["households"], raw["rows"]
        line("raw COPY of the same rows (same tables)", raw["total_seconds"], raw["rows"]["areas_household"],
             raw["rows"]["areas_person"], raw_rows)
        for t in TABLES:
            line(f"  {t}", raw["seconds"][t], rows=raw["rows"][t])
        line("  commits", raw["commit_seconds"])
        print()
        print(f"ratio: generate_population end to end reaches {raw['total_seconds'] / s:.2f} of the raw COPY rate "
              f"(raw is {s / raw['total_seconds']:.2f}x faster); its own writing phase reaches "
              f"{raw['total_seconds'] / result['write_seconds']:.2f}")


if __name__ == "__main__":
    main()
