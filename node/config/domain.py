"""The core's domain objects described by a config: routing table, retry
policy, working-day calendar, deadline policy. Building them is also a check:
the loader builds each once and reports a refusal as a ConfigError naming the
section."""

from __future__ import annotations

from node.config.model import Config, PeerEntry, SignerEntry, UpstreamEntry
from node.retry import RetryPolicy
from node.routing import RoutingTable
from node.workdays import DeadlinePolicy, WorkCalendar


def routing_table(config: Config) -> RoutingTable:
    """Local organs → their DMS client, routes and the default route → peers."""
    return RoutingTable(
        local_organs={organ: dms.id for dms in config.dms for organ in dms.organs},
        routes=[(route.pattern, route.peer) for route in config.routes],
        default_peer=config.routing.default_peer or None,
        node_organ=config.node.organ_id,
    )


def peer_organs(config: Config) -> dict[str, tuple[str, ...]]:
    """Peer (and upstream) name → the organ-id patterns it may speak for.

    ``organs`` when the entry lists them; otherwise (configs older than the
    key) the peer's own organ_id and the patterns of the routes naming it.
    ``routing.default_peer`` grants nothing by itself: being where unknown
    organs are sent does not make a peer their voice (issue 14, hole 7).
    """
    entries: tuple[PeerEntry | UpstreamEntry, ...] = (*config.peers, *config.upstreams)
    routed: dict[str, list[str]] = {}
    for route in config.routes:
        routed.setdefault(route.peer, []).append(route.pattern)
    return {
        entry.name: tuple(
            dict.fromkeys(entry.organs or (entry.organ_id, *routed.get(entry.name, ())))
        )
        for entry in entries
    }


def signers_for(config: Config) -> tuple[tuple[str, str], ...]:
    """Who may sign for whom: (signer organ, organ-id pattern) pairs.

    This node's organ signs for its local organs (statuses and notices of
    organs without a key of their own), each peer's organ for the organs the
    peer speaks for (:func:`peer_organs`), and every ``[[signers]]`` entry
    for its patterns. Any other organ's signature binds only itself.
    """
    pairs = [(config.node.organ_id, organ.id) for organ in config.organs]
    entries: tuple[PeerEntry | UpstreamEntry, ...] = (*config.peers, *config.upstreams)
    organ_of = {e.name: e.organ_id for e in entries}
    for name, patterns in peer_organs(config).items():
        pairs += [(organ_of[name], pattern) for pattern in patterns]
    pairs += explicit_signers(config.signers)
    return tuple(dict.fromkeys(pairs))


def explicit_signers(entries: tuple[SignerEntry, ...]) -> list[tuple[str, str]]:
    """``[[signers]]`` tables as (signer organ, pattern) pairs."""
    return [(entry.organ, pattern) for entry in entries for pattern in entry.may_sign_for]


def retry_policy(config: Config) -> RetryPolicy:
    retry = config.retry
    return RetryPolicy(
        initial=retry.initial,
        multiplier=retry.multiplier,
        max_interval=retry.max_interval,
        max_age=retry.max_age,
        jitter=retry.jitter,
    )


def work_calendar(config: Config) -> WorkCalendar:
    """``calendar.holidays``/``workdays`` and every ``[[calendar.years]]`` table,
    together; a day of a year's table must fall in that year, and a year has
    one table."""
    calendar = config.calendar
    holidays, workdays = set(calendar.holidays), set(calendar.workdays)
    seen: set[int] = set()
    for i, year in enumerate(calendar.years):
        if year.year in seen:
            raise ValueError(f"years[{i}]: year {year.year} has a table already")
        seen.add(year.year)
        for name, days in (("holidays", year.holidays), ("workdays", year.workdays)):
            for j, day in enumerate(days):
                if day.year != year.year:
                    raise ValueError(
                        f"years[{i}].{name}[{j}]: {day.isoformat()} is not in {year.year}"
                    )
        holidays.update(year.holidays)
        workdays.update(year.workdays)
    return WorkCalendar(holidays=frozenset(holidays), workdays=frozenset(workdays))


def deadline_policy(config: Config) -> DeadlinePolicy:
    deadlines = config.deadlines
    return DeadlinePolicy(
        arrived_within=deadlines.arrived,
        accept_working_days=deadlines.accept_workdays,
        roll_due_date=deadlines.roll_due_date,
    )


DOMAIN_BUILDERS = (
    ("routes", routing_table),
    ("retry", retry_policy),
    ("calendar", work_calendar),
    ("deadlines", deadline_policy),
)
"""(section, builder) pairs the loader runs as a final check."""
