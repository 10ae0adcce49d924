"""Command line: python -m dashboard run | migrate | demo | create-user | ensure-demo."""

from __future__ import annotations

import argparse
import getpass
import sys

from .settings import Settings


def _database(settings: Settings):
    from data_layer.db import Database

    return Database(settings.database_url)


def cmd_migrate(settings: Settings, _args) -> int:
    from data_layer.migrate import upgrade

    upgrade(settings.database_url)
    print(f"数据库已迁移到最新版本 / database migrated: {_redact(settings.database_url)}")
    return 0


def cmd_demo(settings: Settings, args) -> int:
    from data_layer import demo
    from data_layer.localtime import set_office_zone

    set_office_zone(settings.timezone)  # the demo's office hours are in the office's zone
    db = _database(settings)
    if args.if_empty and not demo.is_empty(db):
        print("数据库已有数据，跳过演示数据 / database not empty, demo data skipped")
        print_accounts()
        return 0
    from data_layer.errors import DomainError

    try:
        demo.load(db, scale=args.scale, seed=args.seed, progress=print)  # prints its summary
    except DomainError as err:
        print(f"错误 / error: {err.message}", file=sys.stderr)
        return 1
    print_accounts()
    return 0


def print_accounts() -> None:
    from data_layer import demo

    print(f"演示账号 / demo accounts (password 密码: {demo.DEMO_PASSWORD})")
    for username, role_label in demo.DEMO_ACCOUNTS:
        print(f"  {username:<12} {role_label}")


def cmd_create_user(settings: Settings, args) -> int:
    from data_layer.commands.users import create_user
    from data_layer.errors import DomainError

    password = args.password or getpass.getpass("密码 / password: ")
    db = _database(settings)
    try:
        with db.writer() as session:
            user = create_user(
                session,
                actor=None,
                username=args.username,
                display_name=args.name or args.username,
                role=args.role,
                password=password,
                project_ids=args.project or [],
                must_change_password=not args.no_change,
            )
    except DomainError as err:
        print(f"错误 / error: {err.message}", file=sys.stderr)
        return 1
    print(f"已创建用户 / created user {user.username} ({user.role_code.value})")
    return 0


def cmd_expire_deals(settings: Settings, _args) -> int:
    """Release reservations and holds past their date (run daily, e.g. from cron)."""
    from .housekeeping import expire_deals

    count = expire_deals(_database(settings))
    print(f"已释放过期预留/临定 {count} 套 / released {count} expired reservations and holds")
    return 0


def cmd_compact_figures(settings: Settings, _args) -> int:
    """Fold the overview's figure deltas into the daily rows (run every few minutes from cron)."""
    from .housekeeping import compact_figures

    total = compact_figures(_database(settings))
    print(f"已合并 {total} 条统计增量 / folded {total} figure deltas")
    return 0


def cmd_rebuild_figures(settings: Settings, _args) -> int:
    """Recompute the overview's daily figures from the tables (after a bulk load or a repair)."""
    from data_layer import figures

    db = _database(settings)
    db.run(figures.rebuild)
    with db.factory() as session:
        drift = figures.drift(session)
    print(f"已重算每日统计 / daily figures rebuilt; drift: {len(drift)}")
    return 0 if not drift else 1


def cmd_run(settings: Settings, _args) -> int:
    from . import create_app

    app = create_app(settings)
    if settings.housekeeping_minutes > 0:
        from .housekeeping import start

        start(app.server.extensions["loupan_db"], settings.housekeeping_minutes)
    print(f"Loupan 售楼管理系统: http://{settings.host}:{settings.port}")
    app.run(host=settings.host, port=settings.port, debug=settings.debug)
    return 0


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="Loupan 售楼管理系统")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="serve the application (LOUPAN_HOST, LOUPAN_PORT)")
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("expire-deals", help="release reservations and holds past their date")
    sub.add_parser("compact-figures", help="fold the overview's figure deltas (cron)")
    sub.add_parser("rebuild-figures", help="recompute the overview's daily figures")
    demo = sub.add_parser("demo", help="load demo data")
    demo.add_argument("--scale", choices=["small", "bench"], default="small")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--if-empty", action="store_true", help="only when the database is empty")
    user = sub.add_parser("create-user", help="create a user account")
    user.add_argument("username")
    user.add_argument(
        "--role",
        required=True,
        choices=[
            "admin",
            "executive",
            "manager",
            "consultant",
            "finance",
            "marketing",
            "aftersales",
        ],
    )
    user.add_argument("--name", default="")
    user.add_argument("--password", default="", help="prompted for when omitted")
    user.add_argument("--project", type=int, action="append", help="project id (repeatable)")
    user.add_argument(
        "--no-change", action="store_true", help="do not require a password change at first login"
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    handlers = {
        "run": cmd_run,
        "migrate": cmd_migrate,
        "expire-deals": cmd_expire_deals,
        "compact-figures": cmd_compact_figures,
        "rebuild-figures": cmd_rebuild_figures,
        "demo": cmd_demo,
        "create-user": cmd_create_user,
    }
    return handlers[args.command](settings, args)


if __name__ == "__main__":
    sys.exit(main())
