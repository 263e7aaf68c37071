"""Use cases of planning rounds: several stored councils planned together."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..council import Council
from ..errors import Busy, InputError, NotFound
from ..planning import period_window
from ..records import RoundRecord
from ..round_request import parse_round
from .proposals import ProposalServices

__all__ = ["RoundServices"]


def round_council_ids(body: Any) -> list[str]:
    """The council ids a round's JSON names, in order (for the access check); InputError
    when it names none."""
    entries = body.get("councils") if isinstance(body, Mapping) else None
    if not isinstance(entries, list) or not entries:
        raise InputError("a round needs a list of councils", field="councils")
    ids = []
    for i, entry in enumerate(entries):
        council_id = entry.get("council") if isinstance(entry, Mapping) else None
        if not isinstance(council_id, str) or not council_id:
            raise InputError("needs the id of a stored council", field=f"councils[{i}].council")
        ids.append(council_id)
    return ids


class RoundServices(ProposalServices):
    """Plan several councils that share people together, and keep the answer."""

    def create_round(self, body: Any) -> RoundRecord:
        """Plan a round of stored councils (``{"councils": [{"council": ID, ...options}]}``)
        with each member's stored calendar, plans and statements; keep its answer."""
        from ..round_planning import plan_round  # the solver's round model loads on use

        records = {}

        def council_of(i: int, entry: Mapping[str, Any]) -> tuple[str, Council]:
            council_id = entry.get("council")
            if not isinstance(council_id, str):
                raise InputError("needs the id of a stored council",
                                 field=f"councils[{i}].council")
            with self.reader() as uow:
                try:
                    record = uow.councils.get(council_id)
                except NotFound:
                    raise InputError(f"no council {council_id!r}",
                                     field=f"councils[{i}].council") from None
                records[i] = record
                return council_id, self.with_history(uow, record)

        request = parse_round(body, council_of)
        inputs = []
        with self.reader() as uow:
            for i, entry in enumerate(request.councils):
                record = dataclasses.replace(records[i], council=entry.council)
                busy, plans, _warnings = self.known_time(
                    uow, record, *period_window(entry.council, entry.request))
                inputs.append((busy, plans, self.statement_map(uow, record)))
        if not self.solves.acquire(timeout=self.solve_wait_s):
            raise Busy(f"{self.solves_at_once} plans are being computed already; "
                       "try again in a moment", retry_after=10)
        try:
            plan = plan_round(request, sources=lambda i: inputs[i])
        finally:
            self.solves.release()
        with self.uow() as uow:
            stored = uow.rounds.add(request.name, [c.id for c in request.councils], dict(body),
                                    plan.as_json(), plan.status)
            uow.commit()
        return stored

    def round(self, round_id: str) -> RoundRecord:
        """One round as asked and answered."""
        with self.reader() as uow:
            return uow.rounds.get(round_id)

    def rounds_of(self, council_id: str) -> list[RoundRecord]:
        """The rounds a council was planned in, newest first."""
        with self.reader() as uow:
            uow.councils.get(council_id)
            return uow.rounds.of_council(council_id)
