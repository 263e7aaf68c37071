"""What a person reads of a proposal: the terminal table, the CSV and the proposal page."""

from __future__ import annotations

import csv
import datetime as dt
import gettext
import html
import io
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader

from scheduler.formats import render, signed
from scheduler.proposal import (
    AlternativeView,
    CalendarView,
    MeetingView,
    MemberView,
    PartyView,
    Proposal,
    coverage,
)
from scheduler.wording import calendar_sentence, reasons_text

ROOT = Path(__file__).parents[1]
TEMPLATES = ROOT / "api" / "templates"
CATALOGUE = ROOT / "api" / "translations" / "sv" / "LC_MESSAGES" / "messages.po"
ZONE = dt.timezone(dt.timedelta(hours=1))


def page_text(template: str, language: str, **context: Any) -> str:
    """The words a reader meets on a page, in ``language``: the text of its main part and
    the tooltips and labels there, without markup."""
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                              extensions=["jinja2.ext.i18n"])
    translations: gettext.NullTranslations = gettext.NullTranslations()
    if language == "sv":
        with CATALOGUE.open("rb") as source:
            compiled = io.BytesIO()
            write_mo(compiled, read_po(source))
        compiled.seek(0)
        translations = Translations(compiled)
    environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    environment.filters["when"] = lambda moment: str(moment)[:16]
    environment.filters["day"] = lambda moment: str(moment)[:10]
    environment.filters["shows"] = lambda view: calendar_sentence(
        CalendarView.from_json(view) if isinstance(view, dict) else view, language)
    environment.filters["reasons"] = lambda party: reasons_text(party, language)
    environment.globals.update(url_for=lambda *_, **__: "/", csrf_token=lambda: "t",
                               get_flashed_messages=lambda **_: [], lang=language, token=None)
    page = environment.get_template(template).render(**context)
    main = page.split('<main id="main">', 1)[1]
    labels = re.findall(r'(?:title|aria-label)="([^"]*)"', main)
    words = re.sub(r"<[^>]+>", " ", main) + " " + " ".join(labels)
    return " ".join(html.unescape(words).split())


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2027, 2, day, hour, tzinfo=ZONE)


def party(party_id: str, name: str, *members: tuple[str, str, str, float],
          presence: float = 0.95) -> PartyView:
    """A party at a meeting, its coverage worked out from its members."""
    views = tuple(MemberView(*m) for m in members)
    return PartyView(party_id, name, presence, views, *coverage(views))


HALLEFORS = party("hallefors", "Hällefors kommun",
                  ("Anna Ek", "representative", "busy", 0.0475),
                  ("Bo Berg", "substitute", "tentative", 0.475), presence=0.5)
LJUSNARSBERG = party("ljusnarsberg", "Ljusnarsbergs kommun",
                     ("Cia Ros", "representative", "oof", 0.0),
                     ("Dan Al", "substitute", "free", 0.95))
OREBRO = party("orebro", "Örebro kommun", ("Eva Ny", "representative", "unknown", 0.665))


def proposal(**changes: Any) -> Proposal:
    """A fair proposal of two meetings in which Hällefors and Ljusnarsberg gain."""
    alternatives = (AlternativeView(at(11), at(11, 12), -0.0027, 0.0),
                    AlternativeView(at(12), at(12, 12), 0.0004, -1.5))
    meetings = (MeetingView(at(10), at(10, 12), 2.1, 0.6, (HALLEFORS, LJUSNARSBERG, OREBRO),
                            alternatives),
                MeetingView(at(24), at(24, 12), 2.1, 0.6, (HALLEFORS, LJUSNARSBERG, OREBRO)))
    values: dict[str, Any] = dict(
        council="Rådet", status="optimal", objective="fair", meetings=meetings,
        total_expected=4.2, worst_party_expected=1.0,
        per_party={"hallefors": 1.0, "ljusnarsberg": 1.9, "orebro": 1.3},
        attendance_total=4.5, attendance_worst=0.8,
        attendance_per_party={"hallefors": 0.8, "ljusnarsberg": 1.5, "orebro": 2.2})
    values.update(changes)
    return Proposal(**values)


# --- signs ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "shown"), [
    (-0.0027, "−0,003"), (0.0, "±0"), (-0.0, "±0"), (0.0004, "+0,0004"), (-1.5, "−1,50"),
    (2.0, "+2,00"), (0.004999, "+0,005"), (1e-9, "+0,000000001"), (-3e-12, "−0,000000000003"),
])
def test_a_signed_change_never_shows_a_sign_its_value_contradicts(value, shown):
    assert signed(value) == shown


def test_the_table_shows_a_tiny_loss_as_a_loss_and_only_an_exact_zero_as_no_change():
    table = render(proposal(), "table")
    assert "alternativ: tors 11 feb 2027 09:00 (sämsta part −0,003, totalt ±0)" in table
    assert "alternativ: fre 12 feb 2027 09:00 (sämsta part +0,0004, totalt −1,50)" in table
    assert "+0.00" not in table and "+0,00)" not in table


def test_the_table_writes_every_number_with_a_decimal_comma():
    table = render(proposal(), "table")
    assert "förväntat 2,1 av 3 parter" in table
    assert "totalt 4,20 partmöten" in table and "part 1,00 av 2 möten" in table
    assert not re.search(r"\d\.\d", table)


# --- names, not ids -------------------------------------------------------------------------

def test_the_table_names_the_parties_that_gain_from_fairness():
    table = render(proposal(), "table")
    assert "vinner på det: Hällefors kommun, Ljusnarsbergs kommun." in table
    assert "hallefors" not in table and "ljusnarsberg" not in table


def test_the_json_keeps_gainer_ids_and_adds_their_names():
    price = proposal().as_json()["summary"]["price_of_fairness"]
    assert price["gainers"] == ["hallefors", "ljusnarsberg"]
    assert price["gainer_names"] == ["Hällefors kommun", "Ljusnarsbergs kommun"]


# --- why, in words ----------------------------------------------------------------------------

def test_the_table_gives_the_reasons_of_a_substitute_and_of_an_uncovered_party_in_swedish():
    table = render(proposal(), "table")
    assert "EJ TÄCKT" in table and "– ledamot upptagen, ersättare preliminär" in table
    assert "(Cia borta, Dan ledig) – ledamot borta" in table


def test_the_json_explains_each_party_with_its_members_by_name():
    parties = proposal().as_json()["meetings"][0]["parties"]
    assert parties[0]["why"] == "representative busy, substitute tentative"
    assert parties[0]["reasons"] == [
        {"role": "representative", "name": "Anna Ek", "reason": "busy"},
        {"role": "substitute", "name": "Bo Berg", "reason": "tentative"}]
    assert parties[2]["reasons"] == [] and "why" not in parties[2]
    assert set(parties[2]["members"][0]) == {"name", "role", "status", "probability", "basis"}


# --- the CSV cannot carry a formula -----------------------------------------------------------

DANGEROUS = ['=HYPERLINK("http://x")', "+1", "-Anna", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("name", DANGEROUS)
def test_a_proposal_csv_cell_that_a_spreadsheet_would_run_is_quoted(name):
    odd = party(name, name, (name, "representative", "free", 0.95))
    meeting = MeetingView(at(10), at(10, 12), -0.5, 0.6, (odd, OREBRO))
    rows = list(csv.DictReader(io.StringIO(render(proposal(meetings=(meeting,)), "csv"))))
    assert (rows[0]["member"], rows[0]["party"], rows[0]["party_name"]) == ("'" + name,) * 3
    assert rows[1]["member"] == "Eva Ny" and rows[1]["party_name"] == "Örebro kommun"
    assert rows[0]["meeting"] == "1" and float(rows[0]["probability"]) == 0.95
    assert float(rows[0]["expected_parties"]) == -0.5  # a number stays a number


def test_the_proposal_csv_keeps_its_columns():
    header = render(proposal(), "csv").splitlines()[0]
    assert header.startswith("meeting,start,end,expected_parties,quorum_probability,party,")


# --- the proposal page ------------------------------------------------------------------------

def proposal_page(doc: dict[str, Any], language: str = "sv") -> str:
    return page_text("proposal.html", language, doc=doc, heatmap=[],
                     proposal=SimpleNamespace(id="x", confirmed_at=None))


def test_the_proposal_page_names_the_gainers_and_gives_reasons_in_swedish():
    text = proposal_page(proposal().as_json())
    assert "Hällefors kommun, Ljusnarsbergs kommun" in text
    assert "ledamot Anna Ek upptagen, ersättare Bo Berg preliminär" in text
    assert "ledamot Cia Ros borta" in text
    for english in ("hallefors", "ljusnarsberg", "busy", "tentative", "out of office",
                    "representative", "substitute"):
        assert english not in text


def test_the_proposal_page_shows_a_tiny_loss_as_a_loss():
    swedish = proposal_page(proposal().as_json())
    assert "(sämst ställda part −0,003, totalt ±0)" in swedish
    assert "(sämst ställda part +0,0004, totalt −1,50)" in swedish and "0,00)" not in swedish
    english = proposal_page(proposal().as_json(), "en")
    assert "(worst-off party −0.003, in total ±0)" in english
    assert "Expected attendance: 4.2" in english and "Förväntad närvaro: 4,2" in swedish


def test_a_proposal_stored_before_names_and_reasons_still_reads_in_swedish():
    doc = proposal().as_json()
    del doc["summary"]["price_of_fairness"]["gainer_names"]
    for meeting in doc["meetings"]:
        for entry in meeting["parties"]:
            del entry["reasons"]
    text = proposal_page(doc)
    assert "Hällefors kommun, Ljusnarsbergs kommun" in text
    assert "ledamot upptagen, ersättare preliminär" in text and "ledamot borta" in text
    assert "busy" not in text and "hallefors" not in text


def test_a_change_that_is_only_the_noise_of_adding_floats_is_no_change():
    noise = (0.1 + 0.2 + 0.3) - (0.3 + 0.2 + 0.1)  # the same sum in another order
    assert noise != 0
    view = AlternativeView(at(11), at(11, 12), noise, -noise)
    assert (view.worst_change, view.total_change) == (0.0, 0.0)
    meeting = MeetingView(at(10), at(10, 12), 2.1, 0.6, (OREBRO,), (view,))
    assert "(sämsta part ±0, totalt ±0)" in render(proposal(meetings=(meeting,)), "table")
