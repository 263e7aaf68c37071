"""The bundled demo council: realistic, readable in every style, and its year proposed."""

from __future__ import annotations

import datetime as dt

import pytest

from calendars import read_busy
from scheduler.council_file import load_council
from scheduler.demo import run_demo, write_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    return folder, run_demo(folder, year=2027)


def test_the_demo_council_has_thirteen_parties_with_two_members_each(demo):
    folder, _ = demo
    council = load_council(folder / "council.toml")
    assert len(council.parties) == 13
    assert {p.id for p in council.parties} >= {"region", "orebro", "ljusnarsberg", "hallefors"}
    assert all(sorted(m.role for m in p.members) == ["representative", "substitute"]
               for p in council.parties)
    ljusnarsberg = council.party("ljusnarsberg")
    assert (ljusnarsberg.representative.invited, ljusnarsberg.representative.attended) == (3, 1)
    assert sum("ljusnarsberg" in m.present for m in council.history) == 1


def test_every_demo_calendar_reads_without_warnings_in_its_export_style(demo):
    folder, _ = demo
    files = sorted((folder / "calendars").glob("*.ics"))
    assert len(files) == 26
    zone = dt.UTC
    styles = {"W. Europe Standard Time": 0, "X-WR-TIMEZONE": 0, "VFREEBUSY": 0, "Apple": 0}
    for path in files:
        data = path.read_bytes()
        for marker in styles:
            styles[marker] += marker.encode() in data
        found = read_busy(data, dt.datetime(2027, 1, 1, tzinfo=zone),
                          dt.datetime(2028, 1, 1, tzinfo=zone), cache=None)
        assert not found.warnings, path
        assert len(found.intervals) > 150, path
        statuses = {i.status.value for i in found.intervals}
        # Google exports have no out-of-office status: leave is plain busy there
        assert statuses >= ({"busy"} if b"X-WR-TIMEZONE" in data else {"busy", "oof"})
    assert all(count >= 5 for count in styles.values()), styles


def test_the_demo_proposal_is_proven_and_printed_in_swedish(demo):
    _, table = demo
    assert "bevisat optimalt" in table
    assert table.count("förväntat") == 4
    assert "Rättvisans pris" in table


def test_the_demo_is_deterministic(tmp_path):
    first = write_demo(tmp_path / "one", 2027).parent
    second = write_demo(tmp_path / "two", 2027).parent
    for path in sorted((first / "calendars").glob("*.ics")):
        assert path.read_bytes() == (second / "calendars" / path.name).read_bytes()
