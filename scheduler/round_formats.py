"""A planning round on the terminal (Swedish, as the proposal table) or as JSON."""

from __future__ import annotations

import json
import zoneinfo

from .formats import swedish_date
from .round_planning import Outcome, RoundPlan
from .wording import explain

__all__ = ["render_round"]


def _decimal(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _line(label: str, outcome: Outcome) -> str:
    return (f"  {label:<18} sämsta andel {_decimal(outcome.worst_share)}   "
            f"förväntat totalt {_decimal(outcome.total_expected, 2)}   "
            f"krockar för personer {len(outcome.clashes)}")


def render_round(plan: RoundPlan, form: str = "table") -> str:
    """The round as ``table`` (Swedish) or ``json``."""
    if form == "json":
        return json.dumps(plan.as_json(), indent=2, ensure_ascii=False) + "\n"
    lines = [plan.request.name, ""]
    if plan.status == "infeasible":
        reason = explain(plan.reason_key, plan.reason_values, plan.reason)
        return "\n".join([*lines, f"Ingen gemensam plan: {reason}", ""])
    if not plan.people:
        lines.append("Ingen person sitter i två av råden: vart och ett planeras för sig.")
    else:
        lines.append(f"{len(plan.people)} personer sitter i flera råd; minst "
                     f"{int(plan.request.between.total_seconds() // 60)} minuter mellan deras möten.")
    lines.append("")
    for entry, proposal in zip(plan.request.councils, plan.proposals, strict=True):
        zone = zoneinfo.ZoneInfo(entry.council.timezone)
        lines.append(f"{entry.council.name} ({entry.id})")
        for meeting in proposal.meetings:
            start = meeting.start.astimezone(zone)
            end = meeting.end.astimezone(zone)
            lines.append(f"  {swedish_date(start)} {start:%H.%M}–{end:%H.%M}   "
                         f"väntade parter {_decimal(meeting.expected_parties, 1)}")
        lines.append("")
    status = "bevisat optimal" if plan.status == "optimal" else "bästa funna inom tidsgränsen"
    lines.append(f"Gemensam plan ({status}) jämförd med råden var för sig och i tur och ordning:")
    for label, outcome in (("gemensamt", plan.joint), ("var för sig", plan.alone),
                           ("i tur och ordning", plan.in_turn)):
        if outcome is not None:
            lines.append(_line(label, outcome))
    if plan.spared:
        lines.append("")
        lines.append("Den gemensamma planen besparar dessa personer krockar: "
                     + ", ".join(plan.spared))
    lines.append(f"\n({_decimal(plan.solve_seconds, 1)} s)")
    return "\n".join(lines) + "\n"
