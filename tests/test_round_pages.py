"""The round page: two councils that share two members (by e-mail) planned together in one
week, read by the people the round concerns.

First through Flask's test client: who may read it (an admin, a secretary or chair of any
council in the round; anyone else finds nothing, as if it did not exist), what it says in
Swedish and English, a round with no joint plan and why, and the council page's list of
its rounds. Then in a real headless browser against the demo server: axe-core finds no
accessibility violations on the round page in Swedish and English, and it fits a phone."""

from __future__ import annotations

import importlib
import re
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from api.round_pages import change, percent

from . import test_member_pages, test_pages
from .test_member_pages import _sign_in, council_document, sign_in_as
from .test_pages import AXE, shot, violations

app = test_member_pages.app  # an app over its own SQLite file, forms without CSRF tokens
services = test_member_pages.services
client = test_member_pages.client
site = test_pages.site  # the demo server and the browser, as test_pages starts them
browser = test_pages.browser


def round_body(council_ids: list[str], *, name: str = "Vår omgång", possible: bool = True
               ) -> dict[str, Any]:
    """A round over one week with two meetings per council; or (``possible=False``) over one
    day with room for one meeting a day, which two councils that share people cannot both
    have."""
    options = ({"meetings": 2, "min_gap": "1d", "duration": "3h", "step": "1h",
                "earliest": "09:00", "latest": "16:00"} if possible else
               {"meetings": 1, "duration": "3h", "step": "1h", "earliest": "09:00",
                "latest": "12:00"})
    return {"name": name, "from": "2027-03-08", "to": "2027-03-13" if possible else "2027-03-09",
            "between": "1h", "time_limit_s": 10,
            "councils": [{"council": council_id, **options} for council_id in council_ids]}


@pytest.fixture
def world(services) -> dict[str, Any]:
    """Kulturrådet and Miljörådet (sharing Anna Ek and Karin Berg) planned together, and
    Byggrådet, which is not in the round."""
    ids = {key: services.create_council(council_document(name, key.lower()))["id"]
           for key, name in (("A", "Kulturrådet"), ("B", "Miljörådet"), ("C", "Byggrådet"))}
    made = services.create_round(round_body([ids["A"], ids["B"]]))
    return {**ids, "round": made, "doc": made.document}


class _Tables(HTMLParser):
    """The text of every table's cells, row by row, by the table's id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current: list[list[str]] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.current = self.tables.setdefault(dict(attrs).get("id") or "", [])
        elif tag == "tr" and self.current is not None:
            self.current.append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None and self.current is not None:
            self.current[-1].append(re.sub(r"[ \t\r\n]+", " ", "".join(self.cell)).strip())
            self.cell = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def tables(text: str) -> dict[str, list[list[str]]]:
    reader = _Tables()
    reader.feed(text)
    return reader.tables


def read(client, round_id: str, language: str = "sv") -> str:
    page = client.get(f"/rounds/{round_id}", headers={"Accept-Language": language})
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    return page.get_data(as_text=True)


# who may read it ---------------------------------------------------------------------------
def test_an_admin_reads_the_dates_the_shared_people_and_the_comparison(client, services, world):
    sign_in_as(client, services, "admin", None)
    doc = world["doc"]
    text = read(client, world["round"].id)
    assert "<h1>Vår omgång</h1>" in text
    assert "Bevisat optimal" in text
    assert ">Kulturrådet</h3>" in text and ">Miljörådet</h3>" in text
    found = tables(text)
    dates = [row[0] for row in found[""] if row and row[0].startswith(("mån", "tis", "ons"))]
    assert len(dates) == 4 and dates[0].endswith("mars 2027")  # two meetings per council
    assert "09:00–12:00" in text
    people = [row for row in found[""] if row and row[0] in ("A Anna Ek", "A Karin Berg")]
    assert people == [[name, "✓ sitter här", "✓ sitter här"] for name in ("A Anna Ek", "A Karin Berg")]
    header, *rows = found["comparison"]
    assert header == ["Planeringssätt", "Sämst ställda partens andel", "Förväntade partmöten totalt",
                      "Krockar för personer"]
    with client.application.test_request_context(headers={"Accept-Language": "sv"}):
        assert rows == [[label, percent(doc[kind]["worst_share"]),
                         f"{doc[kind]['total_expected']:.1f}".replace(".", ","),
                         str(doc[kind]["person_clashes"])]
                        for label, kind in (("Gemensam plan", "joint"),
                                            ("Varje råd för sig", "alone"),
                                            ("I tur och ordning", "in_turn"))]
    assert [row[0] for row in found["costs"][1:]] == ["1. Kulturrådet", "2. Miljörådet"]
    assert doc["alone"]["person_clashes"] > 0 and doc["joint"]["person_clashes"] == 0
    spared = text.split('<ul id="spared">')[1].split("</ul>")[0]
    assert "A Anna Ek" in spared and "A Karin Berg" in spared
    alone = text.split('id="clashes-alone"')[1].split('id="clashes-in_turn"')[0]
    assert alone.count("<li>") == doc["alone"]["person_clashes"]
    assert "Kulturrådet (mån 8 mars 2027 09:00) och Miljörådet (" in alone
    assert [level for level in ("<h1", "<h2", "<h3") if level in text] == ["<h1", "<h2", "<h3"]
    assert text.count("<table") == text.count("<caption") == 5  # every table has its caption
    assert "<th>" not in text  # every header cell says what it heads


def test_a_secretary_or_chair_of_a_council_in_the_round_reads_it(client, services, world):
    sign_in_as(client, services, "secretary", world["A"])
    text = read(client, world["round"].id)
    assert f'href="/councils/{world["A"]}"' in text  # a link to their own council's page,
    assert f'href="/councils/{world["B"]}"' not in text  # not to one they cannot open
    client.post("/sign-out")
    sign_in_as(client, services, "chair", world["B"])
    assert "Bevisat optimal" in read(client, world["round"].id)


def test_another_councils_secretary_or_chair_finds_no_round(client, services, world):
    for role in ("secretary", "chair"):
        sign_in_as(client, services, role, world["C"])
        page = client.get(f"/rounds/{world['round'].id}")
        assert page.status_code == 404 and page.mimetype == "text/html"
        assert "Kulturrådet" not in page.get_data(as_text=True)
        unknown = client.get("/rounds/0123456789abcdef")
        assert unknown.status_code == 404
        assert unknown.get_data(as_text=True) == page.get_data(as_text=True)  # the same answer
        client.post("/sign-out")


def test_reading_a_round_needs_signing_in(client, world):
    answer = client.get(f"/rounds/{world['round'].id}")
    assert answer.status_code == 302
    assert answer.location == f"/sign-in?next=/rounds/{world['round'].id}"


def test_an_unknown_round_is_not_found_even_for_an_admin(client, services, world):
    sign_in_as(client, services, "admin", None)
    answer = client.get("/rounds/0123456789abcdef")
    assert answer.status_code == 404 and answer.mimetype == "text/html"


# what it says ------------------------------------------------------------------------------
def test_a_round_without_a_joint_plan_says_why_in_swedish_and_shows_the_baselines(
        client, services, world):
    made = services.create_round(round_body([world["A"], world["B"]], name="Omöjlig",
                                            possible=False))
    assert made.status == "infeasible"
    sign_in_as(client, services, "secretary", world["B"])
    text = read(client, made.id)
    alert = text.split('role="alert" id="round-status">')[1].split("</p>")[0]
    assert alert == ("Ingen gemensam plan: Kulturrådet och Miljörådet delar A Anna Ek och "
                     "A Karin Berg: med minst 60 minuter mellan deras möten går inte rådens "
                     "egna regler att uppfylla samtidigt")
    assert "Mötesdatum per råd" not in text  # no dates without a joint plan
    assert 'id="spared"' not in text  # nor anyone spared by it
    assert [row[0] for row in tables(text)["comparison"][1:]] == ["Varje råd för sig",
                                                                   "I tur och ordning"]
    assert ">Kulturrådet</th>" in text  # the councils named from the councils themselves
    assert text.count("<li><strong>A Anna Ek</strong>: Kulturrådet") == 2


def test_english_readers_get_the_round_in_english(client, services, world):
    sign_in_as(client, services, "admin", None)
    text = read(client, world["round"].id, "en-GB,en;q=0.9")
    assert '<html lang="en">' in text
    assert "Proven optimal" in text and ">Each council alone</th>" in text
    assert ">✓ sits here</td>" in text and "%</td>" in text and "\u00a0%" not in text
    made = services.create_round(round_body([world["A"], world["B"]], name="Impossible",
                                            possible=False))
    text = read(client, made.id, "en")
    assert "No joint plan: Kulturrådet, Miljörådet share A Anna Ek, A Karin Berg: with at " \
           "least 60 minutes between their meetings" in text


def test_shares_read_as_percentages_and_changes_carry_their_sign(app):
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        assert percent(0.7308) == "73,1\u00a0%"
        assert [change(x) for x in (0.0, 1.25, -0.04, -0.0004)] == ["±0", "+1,2", "−0,04",
                                                                     "−0,0004"]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert percent(0.7308) == "73.1%" and change(-2.5) == "−2.5"


def test_the_council_page_lists_the_rounds_it_is_given(client, services, world, monkeypatch):
    views = importlib.import_module("api.pages")  # the module, not the blueprint of that name
    given = views.render_template

    def with_rounds(name: str, **values: Any) -> str:  # as the council view passes them
        if name == "council.html":
            values = {"rounds": services.rounds_of(values["council"]["id"]), **values}
        return given(name, **values)

    monkeypatch.setattr(views, "render_template", with_rounds)
    sign_in_as(client, services, "secretary", world["A"])
    text = client.get(f"/councils/{world['A']}").get_data(as_text=True)
    listed = text.split('<h2 id="rounds">Planeringsomgångar</h2>')[1].split("</section>")[0]
    assert f'<a href="/rounds/{world["round"].id}">Vår omgång</a>' in listed
    assert "bevisat optimal" in listed
    client.post("/sign-out")
    sign_in_as(client, services, "secretary", world["C"])
    assert 'id="rounds"' not in client.get(f"/councils/{world['C']}").get_data(as_text=True)


# in a real browser -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def round_path(site) -> str:
    """A round of two councils made through the demo server's API."""
    base, tokens = site
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    ids = [httpx.post(f"{base}/api/councils", json=council_document(name, prefix),
                      headers=admin).json()["id"]
           for name, prefix in (("Kulturrådet", "a"), ("Miljörådet", "b"))]
    made = httpx.post(f"{base}/api/rounds", json=round_body(ids), headers=admin, timeout=60)
    assert made.status_code == 201, made.text
    return f"/rounds/{made.json()['id']}"


@pytest.mark.parametrize("language", ["sv-SE", "en-GB"])
def test_the_round_page_has_no_accessibility_violations_and_fits_a_phone(site, browser,
                                                                         round_path, language):
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci in tests/js)")
    base, tokens = site
    context = browser.new_context(locale=language, bypass_csp=True)  # to inject axe-core
    page = context.new_page()
    _sign_in(page, base, tokens["admin"], language)
    page.goto(base + round_path)
    assert page.locator("html").get_attribute("lang") == language[:2]
    assert page.get_by_role("heading", level=1).inner_text() == "Vår omgång"
    assert page.locator("table").count() == 5
    assert violations(page) == []
    shot(page, f"round-{language}")
    context.close()
    phone = browser.new_context(locale=language, viewport={"width": 390, "height": 844},
                                is_mobile=True)
    page = phone.new_page()
    _sign_in(page, base, tokens["admin"], language)
    page.goto(base + round_path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, f"phone-round-{language}")
    phone.close()
