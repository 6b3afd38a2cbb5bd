"""The `grassroots` command: demo, serve, worker, migrate, createadmin, generate, import-areas, post-notices,
settle, verify-ledger, demands-tick."""

import argparse
import getpass
import os
import signal
import subprocess
import sys


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    import django

    django.setup()


def cmd_migrate(args) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=args.verbosity)
    # The database cache's table (settings.CACHES; nothing to do when CACHE_URL names Valkey/Redis).
    call_command("createcachetable", verbosity=args.verbosity)


def cmd_import_areas(args) -> None:
    from grassroots.areas import services
    from grassroots.audit.context import Actor
    from grassroots.rules.divisions import read_divisions, validate

    divisions = read_divisions(args.file) if args.file else read_divisions()
    problems = validate(divisions)
    if problems:
        sys.exit("区划数据有误：\n" + "\n".join(problems[:20]))
    if args.county:
        divisions = _with_ancestors(divisions, args.county)
    actor = Actor.system("cli:import-areas")
    result = services.load_divisions(actor=actor, divisions=divisions)
    services.ensure_default_tags(actor=actor)
    print(f"区划：新增 {result['created']} 个，更名 {result['renamed']} 个（共 {len(divisions)} 条）")


def _with_ancestors(divisions, county_codes):
    from grassroots.rules.divisions import subtree

    by_code = {d.code: d for d in divisions}
    chosen: dict[str, object] = {}
    for code in county_codes:
        if code not in by_code:
            sys.exit(f"区划代码 {code} 不存在")
        node = by_code[code]
        while node.parent_code:
            node = by_code[node.parent_code]
            chosen[node.code] = node
        for d in subtree(divisions, code):
            chosen[d.code] = d
    return sorted(chosen.values(), key=lambda d: d.code)


def cmd_createadmin(args) -> None:
    from django.core.exceptions import ValidationError

    from grassroots.access import services
    from grassroots.areas.models import Area
    from grassroots.audit.context import Actor

    area = Area.objects.filter(code=args.area).first()
    if area is None:
        sys.exit(f"区划代码 {args.area} 不存在；先运行 grassroots import-areas")
    password = args.password or os.environ.get("GRASSROOTS_ADMIN_PASSWORD") or getpass.getpass("密码：")
    try:
        user = services.create_account(actor=Actor.system("cli:createadmin"), username=args.username,
                                       password=password, display_name=args.name or args.username,
                                       mobile=args.mobile or "", roles=[("system_admin", area)], is_staff=True)
    except ValidationError as e:
        sys.exit("无法创建账号：" + "；".join(e.messages))
    print(f"已创建系统管理员 {user.username}（{area.name}）")


def cmd_generate(args) -> None:
    from grassroots.areas.generate import generate_population
    from grassroots.audit.context import Actor

    result = generate_population(actor=Actor.system("cli:generate"), households=args.households,
                                 county_codes=args.county or None, grids_per_village=args.grids_per_village,
                                 seed=args.seed,
                                 progress=lambda done, total: print(f"{done}/{total} 户", flush=True))
    print(result)


def cmd_post_notices(args) -> None:
    from grassroots.audit.context import Actor
    from grassroots.claims.services import post_due_notices

    result = post_due_notices(actor=Actor.system("cli:post-notices"), now=_as_of(args.as_of))
    print(f"入账公示 {result['posted']} 个；因有待复议异议暂缓 {result['waiting_on_objections']} 个")


def _as_of(value):
    from datetime import datetime

    from django.utils import timezone

    if not value:
        return timezone.now()
    now = datetime.fromisoformat(value)
    return timezone.make_aware(now) if timezone.is_naive(now) else now


def cmd_settle(args) -> None:
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from grassroots.audit.context import Actor
    from grassroots.rules.settlement import quarter_label, quarter_of
    from grassroots.settlement.services import compute_settlements

    now = _as_of(args.as_of)
    if args.quarter:
        try:
            year, quarter = (int(part) for part in args.quarter.upper().split("Q"))
        except ValueError:
            sys.exit(f"季度格式应为 2026Q3，收到 {args.quarter!r}")
    else:
        year, quarter = quarter_of(timezone.localdate(now))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    try:
        result = compute_settlements(actor=Actor.system("cli:settle"), year=year, quarter=quarter, now=now)
    except ValidationError as e:
        sys.exit("；".join(m for ms in e.message_dict.values() for m in ms))
    print(f"{quarter_label(year, quarter)}：新生成待公布评议 {result['created']} 个村，已有 {result['skipped']} 个村")


def cmd_verify_ledger(args) -> None:
    from grassroots.ledger.selectors import household_month_differences, ledger_problem, villages_with_ledgers

    villages = villages_with_ledgers()
    if args.village:
        villages = villages.filter(code__in=args.village)
    checked = broken = 0
    for village in villages.iterator():
        problem = ledger_problem(village.pk)
        # The household-month roll-up the boards read (docs/ledger.md): recounted from the entries.
        differences = household_month_differences(village.pk)
        checked += 1
        if problem is not None:
            print(f"✗ {village.name}（{village.code}）{problem.words}")
        for difference in differences[:20]:
            print(f"✗ {village.name}（{village.code}）{difference.words}")
        if len(differences) > 20:
            print(f"✗ {village.name}（{village.code}）另有 {len(differences) - 20} 个户月的积分汇总与台账不符")
        broken += problem is not None or bool(differences)
    print(f"已核验 {checked} 个村的积分台账，{broken} 个不一致")
    if broken:
        sys.exit(1)


def cmd_rollups(args) -> None:
    from datetime import date, timedelta

    from django.utils import timezone

    from grassroots.audit.context import Actor
    from grassroots.dashboards import selectors, services

    today = timezone.localdate()
    try:
        first = date.fromisoformat(args.first) if args.first else today - timedelta(days=args.days - 1)
        last = date.fromisoformat(args.last) if args.last else today
    except ValueError as e:
        sys.exit(f"日期格式应为 2026-12-01：{e}")
    if last < first:
        sys.exit(f"结束日期 {last} 早于开始日期 {first}")
    if not args.check_only:
        started = timezone.now()
        run = services.rebuild_rollups(actor=Actor.system("cli:rollups"), first=first, last=last)
        seconds = (run.finished_at - started).total_seconds()
        print(f"已重算 {first} 至 {last} 的看板汇总：{run.rows} 行，用时 {seconds:.1f} 秒")
    problems = selectors.rollup_differences(first, last, today=today)
    for line in problems[:50]:
        print(f"✗ {line}")
    print(f"核对 {first} 至 {last}：{len(problems)} 处汇总与原始记录不一致")
    if problems:
        sys.exit(1)


def cmd_demands_tick(args) -> None:
    from django.core.management import call_command

    call_command("demands_tick", **({"now": args.now} if args.now else {}))


def cmd_demo(args) -> None:
    from grassroots.demo import DEMO_PASSWORD, load_demo

    cmd_migrate(argparse.Namespace(verbosity=0))
    accounts = load_demo(households=args.households, progress=lambda msg: print(msg, flush=True))
    print(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
    for username, role, area in accounts:
        print(f"  {username:<12} {role:<14} {area}")
    if args.no_serve:
        return
    print(f"\n打开 http://{args.host}:{args.port}/ 登录。按 Ctrl+C 停止。\n", flush=True)
    _prepare_serving()
    # The web server and the task queue's worker side by side, so that imports and scheduled jobs work with
    # no extra step; Ctrl+C (or either ending) stops both.
    _run_together([_gunicorn_argv(args), [sys.executable, "-m", "grassroots.cli", "worker"]])


def _run_together(commands: list[list[str]]) -> None:
    processes = [subprocess.Popen(argv) for argv in commands]

    def stop(signum, frame):
        for p in processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(p.poll() is None for p in processes):
            try:
                processes[0].wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
    finally:
        stop(None, None)
        for p in processes:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    sys.exit(next((p.returncode for p in processes if p.returncode and p.returncode > 0), 0))


def _prepare_serving() -> None:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    _fail_interrupted_imports()


def _fail_interrupted_imports() -> None:
    from django.db import DatabaseError

    from grassroots.spreadsheets.services import fail_interrupted

    try:
        interrupted = fail_interrupted()  # imports left running by the process this one replaces
    except DatabaseError:  # not migrated yet: nothing to look at
        interrupted = 0
    if interrupted:
        print(f"上次运行时中断的导入任务 {interrupted} 个，已标记为失败并删除其上传文件", flush=True)


def _gunicorn_argv(args) -> list[str]:
    workers = str(args.workers or max(2, (os.cpu_count() or 1) * 2))
    return [sys.executable, "-m", "gunicorn", "grassroots.wsgi:application", "--bind", f"{args.host}:{args.port}",
            "--workers", workers, "--access-logfile", "-", "--timeout", "120"]


def cmd_serve(args) -> None:
    _prepare_serving()
    argv = _gunicorn_argv(args)
    sys.stdout.flush()
    os.execv(sys.executable, argv)


def cmd_worker(args) -> None:
    from django.core.management import call_command

    from grassroots.core.tasks import ensure_schedule

    changed = ensure_schedule()
    if changed["created"] or changed["updated"] or changed["removed"]:
        print("定时任务：新增 {created} 个，更新 {updated} 个，移除 {removed} 个".format(**changed), flush=True)
    _fail_interrupted_imports()
    sys.stdout.flush()
    call_command("qcluster")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grassroots", description="连心 · 基层治理平台")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("migrate", help="create or upgrade the database schema")
    p.add_argument("--verbosity", type=int, default=1)
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("import-areas", help="load the Inner Mongolia division table (idempotent)")
    p.add_argument("--file", help="a CSV of code,name,level,parent_code (default: the bundled table)")
    p.add_argument("--county", action="append", help="only this county (12-digit code) and its ancestors")
    p.set_defaults(func=cmd_import_areas)

    p = sub.add_parser("createadmin", help="create a system administrator on an area")
    p.add_argument("--username", required=True)
    p.add_argument("--area", required=True, help="12-digit division code, e.g. 150426000000")
    p.add_argument("--password", help="default: $GRASSROOTS_ADMIN_PASSWORD or a prompt")
    p.add_argument("--name")
    p.add_argument("--mobile")
    p.set_defaults(func=cmd_createadmin)

    p = sub.add_parser("generate", help="synthetic households and people at scale")
    p.add_argument("--households", type=int, required=True)
    p.add_argument("--county", action="append", help="12-digit county code (repeatable); default all")
    p.add_argument("--grids-per-village", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("post-notices", help="post notices whose period ended into the ledger (run every few minutes)")
    p.add_argument("--as-of", help="ISO date-time to treat as now (default: now)")
    p.set_defaults(func=cmd_post_notices)

    p = sub.add_parser("settle", help="draft the quarterly settlement of every village after a quarter ends "
                                      "(run daily; idempotent); the committees review and publish them")
    p.add_argument("--quarter", help="e.g. 2026Q3 (default: the last quarter that has ended)")
    p.add_argument("--as-of", help="ISO date-time to treat as now (default: now)")
    p.set_defaults(func=cmd_settle)

    p = sub.add_parser("verify-ledger", help="recompute every village's hash chain, check it against every head "
                                             "shown on a notice or board, and recount the household-month "
                                             "roll-up the boards read; exit 1 naming the first missing or "
                                             "changed entry and every household month that differs")
    p.add_argument("--village", action="append", help="only this village (12-digit code)")
    p.set_defaults(func=cmd_verify_ledger)

    p = sub.add_parser("rollups", help="rebuild the dashboards' roll-ups of a span of days from the raw records, "
                                       "then compare them with a recount; exit 1 naming each difference")
    p.add_argument("--days", type=int, default=2, help="the last N days up to today (default 2)")
    p.add_argument("--first", help="first day, ISO (default: today − days + 1)")
    p.add_argument("--last", help="last day, ISO (default: today)")
    p.add_argument("--check-only", action="store_true", help="compare only, rebuild nothing")
    p.set_defaults(func=cmd_rollups)

    p = sub.add_parser("demands-tick", help="remind and lapse wish claims, escalate overdue demands (every 5 minutes)")
    p.add_argument("--now", help="ISO date-time to treat as now (default: now)")
    p.set_defaults(func=cmd_demands_tick)

    p = sub.add_parser("worker", help="run the task queue's worker: imports and the scheduled jobs "
                                      "(TASK_WORKERS processes, default 2); run one or more beside the web servers")
    p.set_defaults(func=cmd_worker)

    for name, func, help_text in (("serve", cmd_serve, "serve with gunicorn (production server)"),
                                  ("demo", cmd_demo, "set up the demo region (翁牛特旗) on SQLite and serve it with a worker")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        p.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "0")))
        if name == "demo":
            p.add_argument("--households", type=int, default=6000)
            p.add_argument("--no-serve", action="store_true", help="load the demo data and stop")
        p.set_defaults(func=func)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command == "migrate" and os.environ.get("MIGRATE_DATABASE_URL"):
        # The schema belongs to the owner role; the running application connects as a role that owns
        # nothing, so it can neither switch off the append-only triggers nor TRUNCATE (docs/deploy.md).
        os.environ["DATABASE_URL"] = os.environ["MIGRATE_DATABASE_URL"]
    _setup()
    args.func(args)


if __name__ == "__main__":
    main()
