"""Which university x cohort meets which rule's condition on an as-of date: set-based SQL over the marts and the
snapshots, every threshold bound as a parameter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, Select, and_, exists, or_, select

from dlsei.alerts.candidates import DORMANT, NEVER_STARTED, NOT_JOINED, RULE_OF_REASON, seat_counts
from dlsei.alerts.rules import AlertRules, CohortEndingUnused, LowActivityShare, LowJoinRate
from dlsei.warehouse.expressions import valid_on
from dlsei.warehouse.schema import dim_seat_allocation, mart_quota_utilisation, mart_refresh


@dataclass(frozen=True)
class Condition:
    rule: str
    university_id: str
    cohort_id: str
    observed: float
    threshold: float
    summary: str

    @property
    def key(self) -> str:
        return alert_key(self.rule, self.university_id, self.cohort_id)


def alert_key(rule: str, university_id: str, cohort_id: str) -> str:
    return f"{rule}|{university_id}|{cohort_id}"


def marts_hold(conn: Connection, as_of: date) -> bool:
    """The marts were built for `as_of` with data complete through it. Until then an absent row means "not loaded
    yet", not "condition cleared", so nothing may be evaluated. A built date may hold no rows (no cohort running)."""
    q = mart_quota_utilisation
    built = exists().where(mart_refresh.c.as_of_date == as_of)
    complete = exists().where(q.c.as_of_date == as_of, q.c.data_complete_through >= as_of)
    return bool(conn.execute(select(or_(built, complete))).scalar_one())


def mart_rows(as_of: date) -> Select:
    """The mart rows of `as_of`, each with its cohort's start and end as the registry had them that date."""
    q, a = mart_quota_utilisation, dim_seat_allocation
    return (
        select(q, a.c.cohort_start, a.c.cohort_end)
        .select_from(q.join(a, and_(a.c.university_id == q.c.university_id, a.c.cohort_id == q.c.cohort_id)))
        .where(q.c.as_of_date == as_of, valid_on(a, as_of))
        .order_by(q.c.university_id, q.c.cohort_id)
    )


def conditions(conn: Connection, as_of: date, rules: AlertRules) -> list[Condition]:
    """Every condition that holds on `as_of`, for the enabled rules."""
    found: list[Condition] = []
    if rules.low_join_rate.enabled:
        found += _low_join_rate(conn, as_of, rules.low_join_rate)
    if rules.low_activity_share.enabled:
        found += _low_activity_share(conn, as_of, rules.low_activity_share)
    if rules.cohort_ending_unused.enabled:
        found += _cohort_ending_unused(conn, as_of, rules.cohort_ending_unused)
    return found + _learner_rules(conn, as_of, rules)


def _low_join_rate(conn: Connection, as_of: date, rule: LowJoinRate) -> list[Condition]:
    q = mart_quota_utilisation
    query = mart_rows(as_of).where(
        q.c.allocated > 0,
        q.c.join_rate_pct < rule.min_join_rate_pct,
        dim_seat_allocation.c.cohort_start <= as_of - timedelta(days=rule.min_cohort_age_days),
    )
    return [
        Condition(
            "low_join_rate",
            row["university_id"],
            row["cohort_id"],
            row["join_rate_pct"],
            rule.min_join_rate_pct,
            f"Join rate {row['join_rate_pct']:.2f}%: {row['joined']} of {row['allocated']} allocated seats joined, "
            f"below {rule.min_join_rate_pct:g}% with the cohort {(as_of - row['cohort_start']).days} days old",
        )
        for row in conn.execute(query).mappings()
    ]


def _low_activity_share(conn: Connection, as_of: date, rule: LowActivityShare) -> list[Condition]:
    q = mart_quota_utilisation
    query = mart_rows(as_of).where(
        q.c.joined > 0,
        q.c.joined >= rule.min_joined,
        # active / joined < pct / 100, without dividing: integer division differs between backends.
        q.c.active_30d * 100 < q.c.joined * rule.min_active_share_pct,
    )
    found = []
    for row in conn.execute(query).mappings():
        share = round(100 * row["active_30d"] / row["joined"], 2)
        found.append(
            Condition(
                "low_activity_share",
                row["university_id"],
                row["cohort_id"],
                share,
                rule.min_active_share_pct,
                f"Activity share {share:.2f}%: {row['active_30d']} of {row['joined']} joined learners active in the "
                f"last 30 days, below {rule.min_active_share_pct:g}%",
            )
        )
    return found


def _cohort_ending_unused(conn: Connection, as_of: date, rule: CohortEndingUnused) -> list[Condition]:
    q = mart_quota_utilisation
    # allocated - active_30d = free + invited + dormant + never_started (docs/measures.md identities).
    query = mart_rows(as_of).where(
        dim_seat_allocation.c.cohort_end <= as_of + timedelta(days=rule.within_days),
        q.c.allocated - q.c.active_30d >= rule.min_unused_seats,
    )
    return [
        Condition(
            "cohort_ending_unused",
            row["university_id"],
            row["cohort_id"],
            row["allocated"] - row["active_30d"],
            rule.min_unused_seats,
            f"Cohort ends on {row['cohort_end'].isoformat()} ({(row['cohort_end'] - as_of).days} days) with "
            f"{row['allocated'] - row['active_30d']} of {row['allocated']} seats unused: {row['free_seats']} free, "
            f"{row['invited']} invitations pending, {row['dormant']} dormant, {row['never_started']} never started",
        )
        for row in conn.execute(query).mappings()
    ]


def _learner_rules(conn: Connection, as_of: date, rules: AlertRules) -> list[Condition]:
    """invited_not_joined, joined_never_started and dormant_learners: counts of flagged seats over a minimum."""
    minimum = {
        NOT_JOINED: rules.invited_not_joined.min_count,
        NEVER_STARTED: rules.joined_never_started.min_count,
        DORMANT: rules.dormant_learners.min_count,
    }
    return [
        Condition(
            RULE_OF_REASON[count.reason],
            count.university_id,
            count.cohort_id,
            count.seats,
            minimum[count.reason],
            _seat_summary(count.reason, count.seats, rules),
        )
        for count in seat_counts(conn, as_of, rules)
        if count.seats >= minimum[count.reason]
    ]


def _seat_summary(reason: str, seats: int, rules: AlertRules) -> str:
    if reason == NOT_JOINED:
        grace = rules.invited_not_joined.grace_days
        return f"{seats} invitations not accepted {grace} or more days after they were sent"
    if reason == NEVER_STARTED:
        return (
            f"{seats} learners joined {rules.joined_never_started.grace_days} or more days ago and never started "
            "a course"
        )
    dormant = rules.dormant_learners
    return (
        f"{seats} learners inactive for {dormant.inactive_days} days or more: reclaim candidates (learners with "
        f"{dormant.progress_exempt_pct:g}% progress in a course, or who joined within {dormant.join_grace_days} days, "
        "are left out)"
    )
