"""The words of the digests. The national text holds counts only; a coordinator's text holds one university's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import timedelta

from sqlalchemy import RowMapping

from dlsei.alerts.picture import Picture
from dlsei.alerts.reclaim import ACT_WITHIN_DAYS, Outcome
from dlsei.publish.rollups import percent

RULE_LABELS = {
    "low_join_rate": "Low join rate",
    "low_activity_share": "Low activity share",
    "invited_not_joined": "Invitations not accepted",
    "joined_never_started": "Joined but never started",
    "dormant_learners": "Dormant learners",
    "cohort_ending_unused": "Cohort ending with unused seats",
}


def rule_label(rule: str) -> str:
    return RULE_LABELS.get(rule, rule)


def _alert_counts(picture: Picture) -> str:
    new = sum(1 for row in picture.open_alerts if row["opened_on"] == picture.as_of)
    return f"{len(picture.open_alerts)} open, {new} new, {len(picture.closed_today)} closed"


def national_subject(picture: Picture) -> str:
    return f"DLSEI seat alerts, data through {picture.as_of}: {_alert_counts(picture)}"


def national_text(
    picture: Picture, max_universities: int | None = None, outcomes: Mapping[str, Outcome] | None = None
) -> str:
    """The national picture. `max_universities` shortens the list for chat channels; `outcomes` (per university)
    adds what the coordinators' reclaim lists achieved."""
    total = picture.national or {}
    done = list((outcomes or {}).values())
    lines = [
        f"DLSEI seat utilisation and alerts, data complete through {picture.as_of}",
        "",
        f"National picture: {len(picture.by_university)} universities, {len(picture.cohorts)} running cohorts",
        f"  Seats allocated          {total.get('allocated', 0):>9,}",
        f"  Joined                   {total.get('joined', 0):>9,}  ({percent(total.get('join_rate_pct'))} of "
        "allocated)",
        f"  Invitations pending      {total.get('invited', 0):>9,}",
        f"  Active in last 30 days   {total.get('active_30d', 0):>9,}  "
        f"({percent(total.get('utilisation_pct'))} of allocated)",
        f"  Dormant                  {total.get('dormant', 0):>9,}",
        f"  Joined, never started    {total.get('never_started', 0):>9,}",
        f"  Free seats               {total.get('free_seats', 0):>9,}",
        f"  Reclaim candidates       {sum(picture.candidates.values()):>9,}  "
        "(seat lists go to each university's coordinator only)",
        f"  Reclaim lists so far     {sum(o.recommended for o in done):>9,} seats recommended, "
        f"{sum(o.acted_on for o in done):,} acted on, {sum(o.seats_freed for o in done):,} seats freed",
        "",
        f"Alerts: {_alert_counts(picture)} today.",
    ]
    by_rule = Counter(row["rule"] for row in picture.open_alerts)
    lines += [f"  {rule_label(rule)}: {count}" for rule, count in sorted(by_rule.items())]

    alerted = sorted(
        {row["university_id"] for row in picture.open_alerts},
        key=lambda uid: (-len(picture.open_of(uid)), uid),
    )
    if alerted:
        lines += ["", f"Universities with open alerts ({len(alerted)}):"]
        shown = alerted if max_universities is None else alerted[:max_universities]
        lines += [_university_line(picture, uid) for uid in shown]
        if len(shown) < len(alerted):
            lines.append(f"- ... and {len(alerted) - len(shown)} more (the e-mail digest lists them all)")
    if picture.closed_today:
        lines += ["", "Closed today:"]
        lines += [
            f"- {picture.name_of(row['university_id'])}, cohort {row['cohort_id']}: {rule_label(row['rule'])}"
            for row in picture.closed_today
        ]
    return "\n".join(lines) + "\n"


def _university_line(picture: Picture, university_id: str) -> str:
    alerts = picture.open_of(university_id)
    new = sum(1 for row in alerts if row["opened_on"] == picture.as_of)
    rollup = picture.by_university.get(university_id) or {}
    rules = ", ".join(sorted({rule_label(row["rule"]).lower() for row in alerts}))
    known = picture.universities.get(university_id)
    region = f", {known.region}" if known else ""
    routed = "" if known and known.coordinator else "; NO coordinator e-mail on file, not routed"
    return (
        f"- {picture.name_of(university_id)}{region}: {len(alerts)} open ({new} new): {rules}; "
        f"{rollup.get('allocated', 0):,} seats, {rollup.get('joined', 0):,} joined, "
        f"{rollup.get('active_30d', 0):,} active in 30 days ({percent(rollup.get('utilisation_pct'))}); "
        f"{picture.candidates.get(university_id, 0):,} reclaim candidates{routed}"
    )


def coordinator_subject(picture: Picture, university_ids: Sequence[str], *, reminder: bool = False) -> str:
    open_count = sum(len(picture.open_of(uid)) for uid in university_ids)
    new = sum(1 for uid in university_ids for row in picture.open_of(uid) if row["opened_on"] == picture.as_of)
    whom = picture.name_of(university_ids[0]) if len(university_ids) == 1 else f"{len(university_ids)} universities"
    prefix = "Reminder: " if reminder else ""
    return f"{prefix}DLSEI seat alerts for {whom}, data through {picture.as_of}: {open_count} open, {new} new"


def _what_to_do(picture: Picture, university_ids: Sequence[str]) -> list[str]:
    due = picture.as_of + timedelta(days=ACT_WITHIN_DAYS)
    rules = {row["rule"] for uid in university_ids for row in picture.open_of(uid)}
    steps = []
    if rules & {"invited_not_joined", "joined_never_started", "dormant_learners"}:
        steps.append(
            "remove the learners on this week's reclaim list (a separate e-mail to you, with their e-mails) in "
            "Coursera's admin UI, or get them started"
        )
    if rules & {"low_join_rate", "low_activity_share", "cohort_ending_unused"}:
        steps.append("invite more of your students to the free seats and remind those enrolled to study")
    if not steps:
        return []
    return ["", f"What to do by {due}: " + "; ".join(steps) + "."]


def coordinator_text(
    picture: Picture,
    university_ids: Sequence[str],
    pages: Mapping[str, str],
    outcomes: Mapping[str, Outcome],
) -> str:
    lines = [
        f"DLSEI seat alerts, data complete through {picture.as_of}.",
        "Coursera's reports trail live data by a day or two: learning since then is not counted yet.",
        *_what_to_do(picture, university_ids),
    ]
    for uid in university_ids:
        lines += ["", picture.name_of(uid), f"Dashboard: {pages[uid]}"]
        lines += [_cohort_line(row) for row in picture.cohorts_of(uid)]
        alerts = picture.open_of(uid)
        if alerts:
            lines.append("Open alerts:")
            lines += [_alert_line(picture, row) for row in alerts]
        cleared = picture.closed_of(uid)
        if cleared:
            lines.append("Cleared today:")
            lines += [f"- {rule_label(row['rule'])}, cohort {row['cohort_id']}" for row in cleared]
        done = outcomes.get(uid, Outcome())
        lines.append(
            f"Reclaim candidates now: {picture.candidates.get(uid, 0):,}. Reclaim lists so far: {done.recommended:,} "
            f"seats recommended, {done.acted_on:,} acted on, {done.seats_freed:,} seats freed."
        )
    lines += ["", "Questions? Reply to this e-mail to reach the national DLSEI team."]
    return "\n".join(lines) + "\n"


def _cohort_line(row: RowMapping) -> str:
    return (
        f"Cohort {row['cohort_id']} ({row['cohort_start']} to {row['cohort_end']}): {row['allocated']:,} seats "
        f"allocated, {row['joined']:,} joined, {row['invited']:,} invitations pending, {row['active_30d']:,} active "
        f"in the last 30 days ({percent(row['utilisation_pct'])} utilised), {row['dormant']:,} dormant, "
        f"{row['never_started']:,} never started, {row['free_seats']:,} free."
    )


def _alert_line(picture: Picture, row: RowMapping) -> str:
    since = "new today" if row["opened_on"] == picture.as_of else f"open since {row['opened_on']}"
    return f"- {rule_label(row['rule'])}, cohort {row['cohort_id']} ({since}): {row['summary']}."
