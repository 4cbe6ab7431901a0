"""The `dlsei` command: one subcommand per job, each a thin call into the package."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date


def _db_upgrade(_: argparse.Namespace) -> int:
    from dlsei.resources import resources
    from dlsei.warehouse.migrate import upgrade

    engine = resources().warehouse
    upgrade(engine)
    print(f"warehouse at the newest schema: {engine.url.render_as_string(hide_password=True)}")
    return 0


def _add_db(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser("db", help="manage the warehouse schema")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("upgrade", help="apply every Alembic migration (safe to repeat)").set_defaults(
        handler=_db_upgrade
    )


def _replay(args: argparse.Namespace) -> int:
    from dlsei.ingest import ledger
    from dlsei.ingest.registry import confirm_extract
    from dlsei.resources import resources

    res = resources()
    if args.confirm:
        try:
            confirm_extract(res, args.name)
        except FileNotFoundError:
            print(f"dlsei replay --confirm: no file {args.name!r} in quarantine/", file=sys.stderr)
            return 1
        print(f"{args.name} confirmed: the change guard lets these exact bytes through")
    try:
        key = res.landing.replay(args.name)
    except (FileNotFoundError, ValueError):
        with res.warehouse.begin() as conn:
            stored = ledger.request_replay(conn, args.name)
            key = res.landing.reload(stored) if stored else None
        if key is None:
            print(
                f"dlsei replay: no file {args.name!r} in quarantine/, nor a loaded file of that name with rejected "
                "rows (the data team's notice gives the exact name)",
                file=sys.stderr,
            )
            return 1
    print(f"{args.name} is back in {key}: the next coursera_exports or hec_registry run loads it")
    return 0


def _add_replay(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "replay",
        help="move a fixed file from quarantine/ back to incoming/ so the next run loads it; or, for a loaded file "
        "with rejected rows, its archived copy, to load it whole again once the rule is fixed",
    )
    parser.add_argument("name", help="the file's name in quarantine/ or archive/ (the data team's notice names it)")
    parser.add_argument(
        "--confirm",
        action="store_true",
        help="a registry extract the change guard held (registry_mass_change) is right: apply it as it is",
    )
    parser.set_defaults(handler=_replay)


def _erase(args: argparse.Namespace) -> int:
    from dlsei.ingest.identities import erase
    from dlsei.ingest.pseudonymise import Pseudonymiser
    from dlsei.resources import resources
    from dlsei.settings import load_settings

    settings = load_settings()
    with resources(settings).warehouse.begin() as conn:
        removed = erase(conn, args.subject, Pseudonymiser(settings.pseudonymisation_secret))
    print(f"identity erased ({removed} held); the pseudonymous history and every count stay as they were")
    return 0


def _add_erase(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "erase", help="erase one person's identity (e-mail, name, roll number); their pseudonymous history stays"
    )
    parser.add_argument("subject", help="the person's e-mail address, or their pseudonym (person or learner key)")
    parser.set_defaults(handler=_erase)


def _summary(_: argparse.Namespace) -> int:
    from dlsei.report.overview import render
    from dlsei.resources import resources

    with resources().warehouse.connect() as conn:
        print(render(conn))
    return 0


def _runs(args: argparse.Namespace) -> int:
    from dlsei.report.run_summaries import recent_runs, render_runs
    from dlsei.resources import resources

    with resources().warehouse.connect() as conn:
        print(render_runs(recent_runs(conn, args.last)))
    return 0


def _add_runs(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "runs", help="the newest run summaries: files, rows, failed checks and warnings, Data Docs link"
    )
    parser.add_argument("--last", type=int, default=10, help="how many runs to show (default: 10)")
    parser.set_defaults(handler=_runs)


def _health(args: argparse.Namespace) -> int:
    from dlsei.report.health import report
    from dlsei.settings import load_settings

    text, fine = report(load_settings(), args.day, args.window)
    print(text)
    return 0 if fine else 1


def _add_health(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "health", help="is yesterday's data in, and does anything need the data team? (exit 1 if so)"
    )
    parser.add_argument("--day", type=date.fromisoformat, help="the morning to check, YYYY-MM-DD (default: today)")
    parser.add_argument("--window", type=int, default=7, help="days back to look for missing exports and failed runs")
    parser.set_defaults(handler=_health)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dlsei", description="HEC DLSEI seat-utilisation pipeline tools")
    subcommands = parser.add_subparsers(dest="command", required=True)
    # The developer's commands (sample data, demo, benchmark) live outside the runtime package.
    from dlsei_dev.commands import add_dev_commands

    add_dev_commands(subcommands)
    _add_db(subcommands)
    _add_replay(subcommands)
    _add_health(subcommands)
    _add_runs(subcommands)
    _add_erase(subcommands)
    subcommands.add_parser("summary", help="utilisation per university, open alerts, files handled").set_defaults(
        handler=_summary
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
