"""The page of a planning round, for the secretaries and chairs of its councils.

A round plans councils that share people together (MODEL.md). Its page shows each
council's dates in the joint plan, who sits in more than one of the councils, and how the
joint plan compares with each council planned alone and with the councils planned in
turn: the worst-off party's share, the expected total, the clashes for people, and whom
the joint plan spares a clash. Rounds are made through the API and the command line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from scheduler.errors import NotFound
from scheduler.records import RoundRecord
from scheduler.tokens import Token

from .auth import allow, services
from .pages import current_token
from .problems import Problem

__all__ = ["round_pages", "round_view", "visible_round"]

round_pages = Blueprint("round_pages", __name__, template_folder="templates")

_READERS = ("secretary", "chair")
_BASELINES = ("alone", "in_turn")


def _swedish() -> bool:
    return str(get_locale()) == "sv"


@round_pages.app_template_filter("decimal")
def decimal(value: float, digits: int = 1) -> str:
    """A number with ``digits`` decimals as the reader's language writes it."""
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if _swedish() else text


@round_pages.app_template_filter("percent")
def percent(share: float, digits: int = 1) -> str:
    """A share (0.728) as a percentage in the reader's language (``72,8 %``)."""
    number = decimal(share * 100, digits)
    return f"{number}\u00a0%" if _swedish() else f"{number}%"


@round_pages.app_template_filter("change")
def change(value: float, digits: int = 1) -> str:
    """A difference with its sign (``+1,5``, ``−0,04``, ``±0``), with as many more decimals
    as it takes not to show a change as zero."""
    if abs(value) < 1e-9:
        return "±0"
    while digits < 4 and round(abs(value), digits) == 0:
        digits += 1
    return ("+" if value > 0 else "−") + decimal(abs(value), digits)


def visible_round(token: Token, round_id: str) -> RoundRecord:
    """The round, for an admin or a secretary or chair of any council in it; for anyone
    else a 404, as if it did not exist (the scope check of ``allow``, council by council)."""
    try:
        found = services().round(round_id)
    except NotFound:
        raise Problem(404, "Not Found", "no such round") from None
    refused: Problem | None = None
    for council_id in dict.fromkeys(found.council_ids):
        try:
            allow(token, _READERS, ("council", council_id))
        except Problem as problem:
            refused = refused or problem
        else:
            return found
    if refused is not None and refused.status != 404:
        raise refused
    raise Problem(404, "Not Found", "no such round")


def round_view(document: Mapping[str, Any], order: Sequence[str],
               names: Mapping[str, str]) -> dict[str, Any]:
    """What the round page shows, from the round's stored document: its councils (in the
    round's order) with their dates, who sits in which council, the joint plan beside the
    two baselines, what planning in turn costs each council beside planning it alone, the
    clashes of each baseline, and whom the joint plan spares."""
    def name(council_id: str) -> str:
        return names.get(council_id, council_id)

    planned = {c["id"]: c for c in document.get("councils", [])}
    councils = [{"id": i, "name": name(i), "position": n + 1, "plan": planned.get(i)}
                for n, i in enumerate(order)]
    people = [{"name": p["name"], "sits": [i in p["councils"] for i in order]}
              for p in document.get("shared_people", [])]
    outcomes = [{"kind": kind, **{k: document[kind][k] for k in
                                  ("worst_share", "total_expected", "person_clashes")}}
                for kind in ("joint", *_BASELINES) if kind in document]
    costs = []
    if all(kind in document for kind in _BASELINES):
        alone = {c["id"]: c for c in document["alone"]["councils"]}
        for n, turn in enumerate(document["in_turn"]["councils"]):
            before = alone.get(turn["id"])
            if before is not None:
                costs.append({
                    "name": name(turn["id"]), "position": n + 1,
                    "alone_share": before["worst_share"], "turn_share": turn["worst_share"],
                    "share_change": turn["worst_share"] - before["worst_share"],
                    "alone_total": before["total_expected"], "turn_total": turn["total_expected"],
                    "total_change": turn["total_expected"] - before["total_expected"]})
    clashes = {kind: [{"person": c["person"],
                       "first": name(c["councils"][0]), "first_start": c["meetings"][0],
                       "second": name(c["councils"][1]), "second_start": c["meetings"][1]}
                      for c in document[kind].get("clashes", [])]
               for kind in _BASELINES if kind in document}
    return {"councils": councils, "people": people, "outcomes": outcomes, "costs": costs,
            "clashes": clashes,
            "spared": list(document.get("spared", [])) if "joint" in document else []}


def _council_names(found: RoundRecord) -> dict[str, str]:
    """The names of the round's councils: from its plan, or (a round with no joint plan)
    from the councils themselves."""
    names = {c["id"]: c["name"] for c in found.document.get("councils", [])}
    if any(council_id not in names for council_id in found.council_ids):
        names = {**dict(services().council_names()), **names}
    return names


@round_pages.get("/rounds/<round_id>")
def round_page(round_id: str) -> ResponseReturnValue:
    """A planning round: each council's dates, the people the councils share, and the joint
    plan beside each council alone and the councils in turn."""
    token = current_token()
    if token is None:
        return redirect(url_for("pages.sign_in", next=request.path))
    found = visible_round(token, round_id)
    return render_template("round.html", round=found, doc=found.document, token=token,
                           view=round_view(found.document, found.council_ids,
                                           _council_names(found)))
