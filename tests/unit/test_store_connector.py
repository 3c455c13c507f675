"""The store's named queries and the connectors' small pieces of logic."""

from __future__ import annotations

import asyncio

import pytest

from node.store.postgres import compile_named
from node.store.sqlfiles import load_queries
from node.store.sqlite import run_now

ONLY_POSTGRES = {"insert_blob", "blob_chunk", "counters_compact_lock", "counters_compact"}
ONLY_POSTGRES |= {"migrate_lock"}
ONLY_SQLITE = {"blob_ids_with_rows", "insert_inline_body", "inline_body"}


def test_both_dialects_name_the_same_queries() -> None:
    sqlite, postgres = set(load_queries("sqlite")), set(load_queries("postgres"))
    assert sqlite - ONLY_SQLITE == postgres - ONLY_POSTGRES


def test_a_query_of_comments_only_is_a_no_op() -> None:
    assert load_queries("sqlite")["audit_lock"] == ""
    assert load_queries("postgres")["audit_lock"].startswith("SELECT pg_advisory_xact_lock")


def test_named_parameters_become_numbered_ones_casts_and_repeats_kept() -> None:
    sql, names = compile_named(
        "-- :ignored in a comment\nSELECT * FROM t WHERE (:a::text IS NULL OR x = :a) AND y = :b"
    )
    assert names == ("a", "b")
    assert sql == "SELECT * FROM t WHERE ($1::text IS NULL OR x = $1) AND y = $2"


def test_every_postgres_query_compiles_to_numbered_parameters_only() -> None:
    for name, body in load_queries("postgres").items():
        sql, names = compile_named(body)
        assert ":" not in sql.replace("::", ""), name
        assert len(names) == len(set(names)), name


def test_a_sqlite_transaction_body_runs_in_one_step() -> None:
    async def body(n: int) -> int:
        async def query() -> int:
            return n * 2

        return await query() + 1

    assert run_now(body(20)) == 41


def test_a_sqlite_transaction_body_that_really_waits_is_refused() -> None:
    async def body() -> None:
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="awaited something"):
        run_now(body())


def test_sqlite_parameters_are_kept_as_sortable_text_and_json() -> None:
    from datetime import UTC, date, datetime, timedelta, timezone

    from node.store.sqlite import _adapt

    hanoi = timezone(timedelta(hours=7))
    adapted = _adapt(
        {
            "at": datetime(2026, 11, 20, 10, 0, tzinfo=hanoi),
            "day": date(2026, 11, 20),
            "ids": ["a", "b"],
            "data": b"\x00[1]",
            "n": 3,
            "none": None,
        }
    )
    assert adapted == {
        "at": datetime(2026, 11, 20, 3, 0, tzinfo=UTC).isoformat(timespec="microseconds"),
        "day": "2026-11-20",
        "ids": '["a", "b"]',
        "data": b"\x00[1]",
        "n": 3,
        "none": None,
    }
