"""The `dlsei` subcommands for developers: sample data, the demo, the benchmark, the demo's Airflow environment and
the dashboard's screenshots."""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

from dlsei_dev.generator import SampleConfig, generate_sample


def _generate(args: argparse.Namespace) -> int:
    config = SampleConfig(
        out_dir=args.out,
        seed=args.seed,
        universities=args.universities,
        people=args.people,
        start=args.start,
        days=args.days,
        current_layout_from_day=args.current_from,
        zip_current=args.zip,
        mess=args.mess,
        courses=args.courses,
        last_day_only=args.last_day_only,
    )
    started = time.perf_counter()
    manifest = generate_sample(config)
    elapsed = time.perf_counter() - started
    size_mb = sum(f.stat().st_size for f in manifest.files) / 1e6
    first, last = manifest.as_of_dates[0], manifest.as_of_dates[-1]
    print(f"wrote {len(manifest.files)} files ({size_mb:.1f} MB) to {manifest.incoming_dir}")
    print(f"as-of dates {first} .. {last} ({len(manifest.as_of_dates)} days), seed {config.seed}")
    print(f"truth: {manifest.truth_path}")
    print(f"took {elapsed:.1f} s")
    return 0


def _add_generate(subcommands: argparse._SubParsersAction) -> None:
    defaults = SampleConfig(out_dir=Path())
    parser = subcommands.add_parser(
        "generate", help="write deterministic sample data: HEC registry, Coursera exports and the truth"
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder (incoming/ and truth/ inside)")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--universities", type=int, default=defaults.universities)
    parser.add_argument("--people", type=int, default=defaults.people, help="registry students and faculty")
    parser.add_argument("--courses", type=int, default=defaults.courses, help="catalogue size")
    parser.add_argument("--start", type=date.fromisoformat, default=defaults.start, help="first as-of date, YYYY-MM-DD")
    parser.add_argument("--days", type=int, default=defaults.days, help="number of daily exports")
    parser.add_argument(
        "--current-from",
        type=int,
        default=defaults.current_layout_from_day,
        help="first day (counting the start date as day 1) written in the current layouts",
    )
    parser.add_argument("--no-zip", dest="zip", action="store_false", help="current days as bare CSVs, not ZIPs")
    parser.add_argument("--no-mess", dest="mess", action="store_false", help="clean files, none of the quirks")
    parser.add_argument(
        "--last-day-only", action="store_true", help="write only the last day's exports (for benchmarks)"
    )
    parser.set_defaults(handler=_generate)


def _demo(args: argparse.Namespace) -> int:
    from dlsei_dev.demo import run_demo

    result = run_demo(days=args.days, seed=args.seed, universities=args.universities, people=args.people)
    print(result.report)
    return 1 if result.failed_runs else 0


def _add_demo(subcommands: argparse._SubParsersAction) -> None:
    defaults = SampleConfig(out_dir=Path())
    parser = subcommands.add_parser(
        "demo", help="generate a sample, run the real DAGs over every day of it, print the summary (./dev demo)"
    )
    parser.add_argument("--days", type=int, default=defaults.days, help="days of exports to generate and run")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--universities", type=int, default=defaults.universities)
    parser.add_argument("--people", type=int, default=defaults.people)
    parser.set_defaults(handler=_demo)


def _airflow_env(_: argparse.Namespace) -> int:
    import shlex

    from dlsei.settings import load_settings
    from dlsei_dev.local_airflow import airflow_environment

    for name, value in airflow_environment(load_settings().home / "airflow").items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from dlsei_dev.bench.run import print_benchmark

    sizes = args.rows + ([10_000_000] if args.ten_million else [])
    return print_benchmark(sizes, args.backend, args.work, args.postgres, args.history_days)


def _add_bench(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "bench", help="time every stage on generated exports beside the machine's floor (./dev bench)"
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000], help="course-activity rows")
    parser.add_argument("--ten-million", action="store_true", help="also a 10,000,000-row export")
    parser.add_argument("--backend", nargs="+", choices=("postgresql", "sqlite"), default=["postgresql", "sqlite"])
    parser.add_argument("--work", type=Path, help="where generated exports are kept (default: $DLSEI_HOME/bench)")
    parser.add_argument("--postgres", help="PostgreSQL URL; the bench works in a schema of its own (default: local)")
    parser.add_argument(
        "--history-days",
        type=int,
        nargs="+",
        default=[30, 180],
        help="earlier days of membership to add before publishing the day again, one stage per figure, the warehouse "
        "growing from one to the next (0: no such stage)",
    )
    parser.set_defaults(handler=_bench)


def _screenshots(args: argparse.Namespace) -> int:
    from dlsei_dev.browser import screenshot_demo_airflow, screenshot_warehouse

    taken = screenshot_demo_airflow(args.airflow_ui, args.out) if args.airflow_ui else screenshot_warehouse(args.out)
    for path in taken:
        print(path)
    return 0


def _add_screenshots(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "screenshots", help="take a screenshot of each dashboard page over the demo's warehouse (headless chromium)"
    )
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument(
        "--airflow-ui",
        metavar="URL",
        help="instead, the demo's runs and logs in its Airflow UI, served at URL by `./dev ui` (http://localhost:8080)",
    )
    parser.set_defaults(handler=_screenshots)


def add_dev_commands(subcommands: argparse._SubParsersAction) -> None:
    _add_generate(subcommands)
    _add_demo(subcommands)
    _add_bench(subcommands)
    _add_screenshots(subcommands)
    subcommands.add_parser(
        "airflow-env", help="print the environment of the demo's local Airflow (eval it to use the same Airflow)"
    ).set_defaults(handler=_airflow_env)
