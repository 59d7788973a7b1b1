"""The registry in PostGIS: real tables and constraints, the round trip, concurrent applies.

Runs on a throw-away cluster of Debian's PostgreSQL and PostGIS that the
session starts on 127.0.0.1 (``postgis_url``); each test uses its own schema.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pyogrio
import pytest
from conftest import run
from filing_fixtures import FiledCounty
from test_cli_filing import assert_registry_matches_project

from gridgis.filing.package import read_package


def init(postgis_url: str, schema: str, scope: str = "640100") -> str:
    target = f"{postgis_url}?schema={schema}"
    kind = "--region" if scope.endswith("0000") else "--prefecture"
    result = run("registry", "init", target, kind, scope)
    assert result.exit_code == 0, result.output
    return target


def apply(target: str, filing: Path) -> str:
    result = run("filing", "apply", target, filing)
    assert result.exit_code == 0, result.output
    return result.output


def counts(postgis_url: str, schema: str) -> tuple[int, int]:
    with psycopg.connect(postgis_url) as connection:
        grids = connection.execute(f"SELECT count(*) FROM {schema}.grids").fetchone()[0]
        filings = connection.execute(f"SELECT count(*) FROM {schema}.filings").fetchone()[0]
    return grids, filings


def test_the_registry_is_a_schema_with_real_tables_indexes_and_constraints(
    postgis_url: str,
) -> None:
    target = init(postgis_url, "reg_tables")
    with psycopg.connect(postgis_url) as connection:
        tables = {
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'reg_tables'"
            )
        }
        assert tables == {"registry_meta", "counties", "filings", "grids"}
        indexes = dict(
            connection.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'reg_tables' "
                "AND tablename = 'grids'"
            ).fetchall()
        )
        assert "USING gist (geom)" in indexes["grids_geom"]
        assert "UNIQUE" in indexes["grids_active_code"]
        assert "WHERE (valid_to IS NULL)" in indexes["grids_active_code"]
        foreign = {
            row[0]
            for row in connection.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'reg_tables.grids'::regclass AND contype = 'f'"
            )
        }
        assert "FOREIGN KEY (valid_from) REFERENCES reg_tables.filings(id)" in foreign
        assert "FOREIGN KEY (valid_to) REFERENCES reg_tables.filings(id)" in foreign
        geometry = connection.execute(
            "SELECT type, srid FROM geometry_columns WHERE f_table_schema = 'reg_tables'"
        ).fetchone()
        assert geometry == ("MULTIPOLYGON", 4490)
    again = run("registry", "init", target, "--prefecture", "640100")
    assert again.exit_code == 1 and "schema reg_tables already exists" in again.output


def test_round_trip_and_refusals_on_postgis(
    postgis_url: str, filed_county: FiledCounty, neighbour_county: FiledCounty, tmp_path: Path
) -> None:
    target = init(postgis_url, "reg_round")
    first, second, third = filed_county.filings
    apply(target, first)
    state = counts(postgis_url, "reg_round")
    result = run("filing", "apply", target, third)
    assert result.exit_code == 1 and "which the registry has not received" in result.output
    assert counts(postgis_url, "reg_round") == state
    apply(target, second)
    state = counts(postgis_url, "reg_round")
    assert "was applied already" in apply(target, second)
    result = run("filing", "apply", target, filed_county.rival_filing)
    assert result.exit_code == 1 and "applied number 2 already" in result.output
    assert counts(postgis_url, "reg_round") == state
    apply(target, third)
    apply(target, neighbour_county.filings[0])
    exported = tmp_path / "grids.gpkg"
    assert run("registry", "export", target, "-o", exported).exit_code == 0
    assert_registry_matches_project(exported, filed_county.project, "640122")
    assert_registry_matches_project(exported, neighbour_county.project, "640121")
    log = run("registry", "log", target, "--stale-days", 30)
    assert log.exit_code == 0
    assert "640122-0003-" in log.output and "从未备案 never filed" in log.output
    # The constraint holds whoever writes: one current row per code.
    with psycopg.connect(postgis_url) as connection, pytest.raises(psycopg.errors.UniqueViolation):
        connection.execute(
            "INSERT INTO reg_round.grids (county_code, grid_code, kind, level, geom, valid_from, "
            "row_hash) SELECT county_code, grid_code, kind, level, geom, valid_from, row_hash "
            "FROM reg_round.grids WHERE valid_to IS NULL LIMIT 1"
        )


def _start(target: str, filing: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gridgis.cli.main", "filing", "apply", target, str(filing)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _waiting(postgis_url: str, sessions: int, timeout: float = 60.0) -> None:
    """Wait until that many gridgis sessions wait for a lock."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(postgis_url, autocommit=True) as watcher:
        while True:
            found = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gridgis' "
                "AND wait_event_type = 'Lock'"
            ).fetchone()[0]
            if found >= sessions:
                return
            assert time.monotonic() < deadline, f"{found} of {sessions} applies reached the lock"
            time.sleep(0.05)


def test_two_counties_apply_at_once_and_both_land(
    postgis_url: str, filed_county: FiledCounty, neighbour_county: FiledCounty, tmp_path: Path
) -> None:
    target = init(postgis_url, "reg_two_counties")
    with psycopg.connect(postgis_url) as holder:
        # Hold county 640122's row, as an apply of it in progress would.
        holder.execute("INSERT INTO reg_two_counties.counties (county_code) VALUES ('640122')")
        blocked = _start(target, filed_county.filings[0])
        free = _start(target, neighbour_county.filings[0])
        _, errors = free.communicate(timeout=120)
        assert free.returncode == 0, errors.decode()  # not held up by the other county
        _waiting(postgis_url, 1)
        assert blocked.poll() is None  # the same county waits
        holder.rollback()
    _, errors = blocked.communicate(timeout=120)
    assert blocked.returncode == 0, errors.decode()
    exported = tmp_path / "grids.gpkg"
    assert run("registry", "export", target, "-o", exported).exit_code == 0
    assert_registry_matches_project(exported, neighbour_county.project, "640121")
    # 640122 landed its baseline: its current grids are those of its first filing.
    result = run("filing", "verify", filed_county.filings[0])
    assert result.exit_code == 0


def _hold_county(holder: psycopg.Connection, schema: str, county: str) -> None:
    holder.execute(f"SELECT 1 FROM {schema}.counties WHERE county_code = %s FOR UPDATE", (county,))


def test_two_filings_of_one_county_serialise_and_none_is_lost(
    postgis_url: str, filed_county: FiledCounty, tmp_path: Path
) -> None:
    target = init(postgis_url, "reg_one_county")
    first, second, _ = filed_county.filings
    apply(target, first)
    # Two different filings numbered 2, started together: one lands, one is refused.
    with psycopg.connect(postgis_url) as holder:
        _hold_county(holder, "reg_one_county", "640122")
        racers = [_start(target, second), _start(target, filed_county.rival_filing)]
        _waiting(postgis_url, 2)
        holder.rollback()
    outcomes = [(p.communicate(timeout=120), p.returncode) for p in racers]
    codes = sorted(code for _, code in outcomes)
    assert codes == [0, 1], outcomes
    refusal = next(errors.decode() for (_, errors), code in outcomes if code == 1)
    assert "applied number 2 already" in refusal
    landed = read_package(second if outcomes[0][1] == 0 else filed_county.rival_filing)
    with psycopg.connect(postgis_url) as connection:
        last = connection.execute(
            "SELECT f.filing_id FROM reg_one_county.counties c "
            "JOIN reg_one_county.filings f ON f.id = c.last_filing"
        ).fetchone()[0]
        current = {
            row[0]
            for row in connection.execute(
                "SELECT grid_code FROM reg_one_county.grids WHERE valid_to IS NULL"
            )
        }
    assert last == landed.filing_id
    # The registry holds exactly the grids of the filing that landed.
    with landed.member_file("grids.gpkg") as grids:
        assert current == set(pyogrio.read_dataframe(grids, layer="current")["grid_code"])


def test_a_filing_and_the_next_started_together_land_in_order(
    postgis_url: str, filed_county: FiledCounty, tmp_path: Path
) -> None:
    target = init(postgis_url, "reg_chain")
    first, second, third = filed_county.filings
    apply(target, first)
    with psycopg.connect(postgis_url) as holder:
        _hold_county(holder, "reg_chain", "640122")
        racers = [_start(target, third), _start(target, second)]
        _waiting(postgis_url, 2)
        holder.rollback()
    outcomes = [(p.communicate(timeout=120), p.returncode) for p in racers]
    third_result, second_result = outcomes
    assert second_result[1] == 0, second_result  # number 2 always lands
    if third_result[1] != 0:
        # It ran first, before number 2 landed: refused with the reason, then applied.
        assert "which the registry has not received" in third_result[0][1].decode()
        apply(target, third)
    exported = tmp_path / "grids.gpkg"
    assert run("registry", "export", target, "--county", "640122", "-o", exported).exit_code == 0
    assert_registry_matches_project(exported, filed_county.project, "640122")


def test_postgis_targets_fail_clearly(
    postgis_url: str, filed_county: FiledCounty, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = postgis_url.rsplit(":", 1)[0] + ":1/postgres"
    result = run("filing", "apply", closed, filed_county.filings[0])
    assert (
        result.exit_code == 1
        and "cannot connect to postgresql://gridgis@127.0.0.1:1" in result.output
    )
    result = run("registry", "log", f"{postgis_url}?schema=nothing_here")
    assert result.exit_code == 1 and "holds no gridgis registry" in result.output
    assert run("registry", "log", f"{postgis_url}?schema=Bad-Name").exit_code == 2
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the postgis extra were missing
    result = run("registry", "log", postgis_url)
    assert result.exit_code == 1
    assert "needs psycopg, which is not installed: pip install 'gridgis[postgis]'" in result.output
