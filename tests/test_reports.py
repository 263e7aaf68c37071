"""The chair's report on plain values: expected against recorded attendance over time."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest

from calendars import BusyInterval, BusyStatus
from scheduler.council import Council, Member, Party
from scheduler.reports import ReportMeeting, conflict_report, report_csv

from .test_formats import page_text

ZONE = dt.timezone(dt.timedelta(hours=1))
COUNCIL = Council("Rådet", "Europe/Stockholm", (
    Party("a", "A", (Member("Rep A", "representative"), Member("Sub A", "substitute"))),
    Party("b", "B", (Member("Rep B", "representative"),)),
))


def meeting(day: int, present: set[str] | None, state: str = "confirmed") -> ReportMeeting:
    start = dt.datetime(2027, 3, day, 9, tzinfo=ZONE)
    return ReportMeeting(f"m{day}", start, start + dt.timedelta(hours=3), state,
                         present=frozenset(present) if present is not None else None)


def test_expected_against_recorded_attendance_of_past_meetings():
    meetings = [meeting(1, {"a", "b"}), meeting(8, {"b"}), meeting(15, None),
                meeting(22, None, "cancelled"), meeting(29, None, "proposed")]
    busy = {("a", 0): None, ("a", 1): None, ("b", 0): None}
    report = conflict_report(COUNCIL, meetings, busy, dt.datetime(2027, 3, 20, tzinfo=dt.UTC))
    unknown_a = 1 - (1 - 0.95 * 0.7) ** 2
    by_party = {row["party"]: row for row in report["attendance"]}
    assert by_party["a"]["meetings"] == 2 and by_party["a"]["recorded"] == 1
    assert by_party["a"]["expected"] == pytest.approx(2 * unknown_a, abs=1e-4)
    assert by_party["b"]["recorded"] == 2
    assert [m["state"] for m in report["meetings"]] == ["confirmed", "confirmed", "confirmed",
                                                       "proposed"]
    # the 15th is past but unrecorded: it counts in neither expected nor recorded
    assert [m["past"] for m in report["meetings"]] == [True, True, True, False]


def test_a_notice_of_absence_uncovers_a_party_without_a_substitute():
    notice = ReportMeeting("m", dt.datetime(2027, 3, 1, 9, tzinfo=ZONE),
                           dt.datetime(2027, 3, 1, 12, tzinfo=ZONE), "confirmed",
                           notices=frozenset({("b", 0)}))
    busy = {("a", 0): None, ("a", 1): None, ("b", 0): None}
    report = conflict_report(COUNCIL, [notice], busy, dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    party_b = report["meetings"][0]["parties"][1]
    assert party_b["covered_by"] == "uncovered" and party_b["members"][0]["notice_of_absence"]
    assert report_csv(report).count("\n") == 3  # header and one row per party


# --- who covers, and why: every combination of calendar status and notice of absence ----

FREE, TENTATIVE, BUSY, OOF, UNKNOWN, UNRELIABLE = ("free", "tentative", "busy", "oof",
                                                  "unknown", "unreliable")
START = dt.datetime(2027, 3, 1, 9, tzinfo=ZONE)
END = START + dt.timedelta(hours=3)


def member(name: str, role: str, state: str) -> Member:
    """A member whose history makes them unreliable when ``state`` says so."""
    if state == UNRELIABLE:
        return Member(name, role, invited=40, attended=0)  # r = 19/60
    return Member(name, role)


def calendar(state: str) -> list[BusyInterval] | None:
    """Busy intervals that give the member ``state`` at the meeting."""
    if state == UNKNOWN:
        return None
    if state in (FREE, UNRELIABLE):
        return []
    return [BusyInterval(START, END, BusyStatus(state), "x")]


def explained(*members: tuple[str, bool]) -> dict[str, Any]:
    """The report's party entry for one party whose members are (state, notice) pairs,
    the representative first."""
    roles = ["representative"] + ["substitute"] * (len(members) - 1)
    names = ["Rep"] + [f"Sub {n}" for n in range(1, len(members))]
    party = Party("p", "Partiet", tuple(member(n, r, state)
                                        for n, r, (state, _) in zip(names, roles, members,
                                                                     strict=True)))
    busy = {("p", i): calendar(state) for i, (state, _) in enumerate(members)}
    notices = frozenset(("p", i) for i, (_, notice) in enumerate(members) if notice)
    report = conflict_report(Council("Rådet", "Europe/Stockholm", (party,)),
                             [ReportMeeting("m", START, END, "confirmed", notices=notices)],
                             busy, dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    return report["meetings"][0]["parties"][0]  # type: ignore[no-any-return]


NOTICE = "gave notice of absence"


@pytest.mark.parametrize(("members", "covered_by", "why"), [
    ([(FREE, False), (FREE, False)], "representative", None),
    ([(FREE, False), (FREE, True)], "representative", None),
    ([(FREE, True), (FREE, False)], "substitute", f"representative {NOTICE}"),
    ([(UNKNOWN, True), (UNKNOWN, False)], "substitute", f"representative {NOTICE}"),
    ([(BUSY, True), (FREE, False)], "substitute", f"representative {NOTICE}"),
    ([(FREE, True), (FREE, True)], "uncovered",
     f"representative {NOTICE}, substitute {NOTICE}"),
    ([(BUSY, False), (FREE, True)], "uncovered", f"representative busy, substitute {NOTICE}"),
    ([(FREE, True), (OOF, False)], "uncovered",
     f"representative {NOTICE}, substitute out of office"),
    ([(OOF, False), (FREE, False)], "substitute", "representative out of office"),
    ([(TENTATIVE, False), (TENTATIVE, False)], "uncovered",
     "representative tentative, substitute tentative"),
    ([(UNKNOWN, False), (BUSY, False)], "representative", None),
    ([(UNRELIABLE, False), (FREE, False)], "substitute", "representative free but unreliable"),
    ([(UNRELIABLE, False), (UNRELIABLE, True)], "uncovered",
     f"representative free but unreliable, substitute {NOTICE}"),
    ([(FREE, True)], "uncovered", f"representative {NOTICE}, no substitute"),
    ([(BUSY, False)], "uncovered", "representative busy, no substitute"),
    ([(FREE, True), (FREE, True), (FREE, False)], "substitute", f"representative {NOTICE}"),
    ([(FREE, True), (BUSY, False), (UNKNOWN, True)], "uncovered",
     f"representative {NOTICE}, substitute busy, substitute {NOTICE}"),
])
def test_who_covers_and_why_agree_for_every_status_and_notice(members, covered_by, why):
    party = explained(*members)
    assert (party["covered_by"], party["why"]) == (covered_by, why)


@pytest.mark.parametrize("rep", [(s, n) for s in (FREE, TENTATIVE, BUSY, OOF, UNKNOWN, UNRELIABLE)
                                 for n in (False, True)])
@pytest.mark.parametrize("sub", [(s, n) for s in (FREE, TENTATIVE, BUSY, OOF, UNKNOWN, UNRELIABLE)
                                 for n in (False, True)] + [None])
def test_the_reasons_name_exactly_the_members_who_cannot_cover(rep, sub):
    party = explained(rep, *([sub] if sub else []))
    members = party["members"]
    coming = [m for m in members if m["probability"] >= 0.5]
    reasons = party["reasons"]
    if party["covered_by"] == "representative":
        assert members[0] in coming and reasons == [] and party["why"] is None
        return
    assert members[0] not in coming
    named = [r["name"] for r in reasons if r["reason"] != "no_substitute"]
    if party["covered_by"] == "substitute":
        assert coming and named == ["Rep"]
    else:
        assert not coming and named == [m["name"] for m in members]
        assert (sub is None) == any(r["reason"] == "no_substitute" for r in reasons)
    for reason in reasons:
        entry = next((m for m in members if m["name"] == reason["name"]), None)
        if entry is not None:  # a notice always explains itself as such, nothing else does
            assert (reason["reason"] == "notice") == entry["notice_of_absence"]
    assert party["why"] == ", ".join(
        "no substitute" if r["reason"] == "no_substitute" else f"{r['role']} {WORDS[r['reason']]}"
        for r in reasons)


WORDS = {"notice": NOTICE, "unreliable": "free but unreliable", "tentative": "tentative",
         "busy": "busy", "oof": "out of office", "unknown": "has no calendar"}


def test_a_notice_of_absence_takes_the_member_out_of_the_expected_attendance():
    party = explained((FREE, True), (FREE, True))
    assert party["presence"] == 0
    assert [m["probability"] for m in party["members"]] == [0, 0]


# --- the CSV cannot carry a formula ------------------------------------------------------

@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1", "-Anna", "@SUM(A1)", "\tx",
                                  "\rx"])
def test_a_csv_cell_that_a_spreadsheet_would_run_is_quoted(name):
    party = Party("=p", "+P", (Member(name, "representative"), Member("Sub", "substitute")))
    report = conflict_report(Council("Rådet", "Europe/Stockholm", (party,)),
                             [ReportMeeting("m", START, END, "confirmed")],
                             {("=p", 0): [], ("=p", 1): []}, dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    (row,) = csv.DictReader(io.StringIO(report_csv(report)))
    assert row["representative_name"] == "'" + name
    assert row["party"] == "'=p" and row["party_name"] == "'+P"
    assert row["substitute_name"] == "Sub"
    assert float(row["presence"]) > 0.99 and float(row["representative_probability"]) == 0.95


def test_every_substitute_has_columns_of_their_own_in_the_csv():
    party = Party("p", "P", (Member("Rep", "representative"), Member("Sub 1", "substitute"),
                             Member("Sub 2", "substitute")))
    report = conflict_report(Council("Rådet", "Europe/Stockholm", (party,)),
                             [ReportMeeting("m", START, END, "confirmed",
                                            notices=frozenset({("p", 0)}))],
                             {("p", 0): [], ("p", 1): [], ("p", 2): None},
                             dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    (row,) = csv.DictReader(io.StringIO(report_csv(report)))
    assert (row["substitute_name"], row["substitute_2_name"]) == ("Sub 1", "Sub 2")
    assert row["substitute_2_status"] == "unknown"
    assert row["representative_notice_of_absence"] == "True"
    assert row["why"] == f"representative {NOTICE}"


# --- the report page ----------------------------------------------------------------------

def page(report: dict[str, Any], language: str) -> str:
    """The text a reader sees in the main part of the report page (no markup)."""
    return page_text("report.html", language, report=report, council_id="c", most=1.0,
                     status_words={})


def test_the_report_page_explains_a_notice_of_absence_in_swedish():
    party = Party("lindesberg", "Lindesbergs kommun",
                  (Member("Anna Ek", "representative"), Member("Bo Berg", "substitute")))
    report = conflict_report(Council("Rådet", "Europe/Stockholm", (party,)),
                             [ReportMeeting("m", START, END, "confirmed",
                                            notices=frozenset({("lindesberg", 0)}))],
                             {("lindesberg", 0): [], ("lindesberg", 1): []},
                             dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    swedish = page(report, "sv")
    assert "ledamot Anna Ek har anmält förhinder" in swedish
    assert "ledig" not in swedish and "lindesberg" not in swedish
    english = page(report, "en")
    assert "representative Anna Ek gave notice of absence" in english


def test_the_report_page_gives_every_reason_in_swedish():
    unreliable = {"invited": 40}  # r = 19/60: not even a free day makes them likely
    party = Party("p", "Partiet", (Member("Anna Ek", "representative", **unreliable),
                                   Member("Bo Berg", "substitute", **unreliable),
                                   Member("Cia Ros", "substitute")))
    expected = {(TENTATIVE, BUSY): "ledamot Anna Ek preliminär, ersättare Bo Berg upptagen",
                (OOF, UNKNOWN): "ledamot Anna Ek borta, ersättare Bo Berg har ingen kalender",
                (FREE, FREE): "ledamot Anna Ek ledig men osäker, ersättare Bo Berg ledig men osäker"}
    for (rep, sub), words in expected.items():
        busy = {("p", 0): calendar(rep), ("p", 1): calendar(sub), ("p", 2): calendar(OOF)}
        report = conflict_report(Council("Rådet", "Europe/Stockholm", (party,)),
                                 [ReportMeeting("m", START, END, "confirmed")], busy,
                                 dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
        text = page(report, "sv")
        assert f"{words}, ersättare Cia Ros borta" in text
        for english in ("tentative", "busy", "out of office", "has no calendar",
                        "free but unreliable", "representative", "substitute", "gave notice"):
            assert english not in text, (rep, sub, english)


def test_the_report_page_names_each_members_state_at_a_confirmed_meeting():
    party = Party("lindesberg", "Lindesbergs kommun",
                  (Member("Anna <i>Ek</i>", "representative"), Member("Bo Berg", "substitute")))
    report = conflict_report(Council("Rådet", "Europe/Stockholm", (party,)),
                             [ReportMeeting("m", START, END, "confirmed",
                                            notices=frozenset({("lindesberg", 0)}),
                                            called_in=frozenset({("lindesberg", 1)}),
                                            states={("lindesberg", 0): "absent",
                                                    ("lindesberg", 1): "called_in"})],
                             {("lindesberg", 0): [], ("lindesberg", 1): []},
                             dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    swedish = page(report, "sv")  # the name escaped: as markup, its tags would be gone
    assert "Anna <i>Ek</i> (ledamot): har meddelat förhinder" in swedish
    assert "Bo Berg (ersättare): inkallad" in swedish
    english = page(report, "en")
    assert "Anna <i>Ek</i> (representative): has sent apologies" in english
    assert "Bo Berg (substitute): called in" in english
