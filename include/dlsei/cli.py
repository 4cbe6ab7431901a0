"""The `dlsei` command: one subcommand per job, each a thin call into the package."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from dlsei.generator import SampleConfig, generate_sample


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dlsei", description="HEC DLSEI seat-utilisation pipeline tools")
    subcommands = parser.add_subparsers(dest="command", required=True)
    _add_generate(subcommands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
