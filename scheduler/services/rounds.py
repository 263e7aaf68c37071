"""Use cases of planning rounds: several stored councils planned together."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..council import Council
from ..errors import Busy, InputError, NotFound
from ..ids import is_council_id
from ..jobs.progress import ProgressCallback
from ..planning import period_window
from ..ports import UnitOfWork
from ..records import CouncilRecord, RoundRecord
from ..round_request import RoundRequest, parse_round
from .proposals import ProposalServices

__all__ = ["PlannedRound", "RoundServices"]


@dataclasses.dataclass(frozen=True)
class PlannedRound:
    """A round's answer before it is kept: its name, councils, document and status."""

    name: str
    council_ids: tuple[str, ...]
    document: dict[str, Any]
    status: str


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
        if not is_council_id(council_id):  # never issued: nothing to look up
            raise InputError(f"no council {council_id!r}", field=f"councils[{i}].council")
        ids.append(council_id)
    return ids


class RoundServices(ProposalServices):
    """Plan several councils that share people together, and keep the answer."""

    def create_round(self, body: Any) -> RoundRecord:
        """Plan a round of stored councils (``{"councils": [{"council": ID, ...options}]}``)
        with each member's stored calendar, plans and statements; keep its answer."""
        self.parse_round_body(body)  # bad input answers before a busy service does
        if not self.solves.acquire(timeout=self.solve_wait_s):
            raise Busy(f"{self.solves_at_once} plans are being computed already; "
                       "try again in a moment", retry_after=10)
        try:
            planned = self.compute_round(body)
        finally:
            self.solves.release()
        with self.uow() as uow:
            stored = self.keep_round(uow, body, planned)
            uow.commit()
        return stored

    def parse_round_body(self, body: Any) -> tuple[RoundRequest, dict[int, CouncilRecord]]:
        """The round a body asks for, each council read from storage (InputError naming
        the entry when it is bad or its council is missing), with the records read."""
        records: dict[int, CouncilRecord] = {}

        def council_of(i: int, entry: Mapping[str, Any]) -> tuple[str, Council]:
            council_id = entry.get("council")
            if not isinstance(council_id, str):
                raise InputError("needs the id of a stored council",
                                 field=f"councils[{i}].council")
            if not is_council_id(council_id):
                raise InputError(f"no council {council_id!r}", field=f"councils[{i}].council")
            with self.reader() as uow:
                try:
                    record = uow.councils.get(council_id)
                except NotFound:
                    raise InputError(f"no council {council_id!r}",
                                     field=f"councils[{i}].council") from None
                records[i] = record
                return council_id, self.with_history(uow, record)

        return parse_round(body, council_of), records

    def compute_round(self, body: Any, *,
                      progress: ProgressCallback | None = None) -> PlannedRound:
        """The joint plan of a round's body (nothing is kept); ``progress`` hears how the
        solve goes."""
        from ..round_planning import plan_round  # the solver's round model loads on use

        request, records = self.parse_round_body(body)
        inputs = []
        with self.reader() as uow:
            for i, entry in enumerate(request.councils):
                record = dataclasses.replace(records[i], council=entry.council)
                busy, plans, _warnings = self.known_time(
                    uow, record, *period_window(entry.council, entry.request))
                inputs.append((busy, plans, self.statement_map(uow, record)))
        plan = plan_round(request, sources=lambda i: inputs[i],
                          progress=progress)
        return PlannedRound(request.name, tuple(c.id for c in request.councils),
                            plan.as_json(), plan.status)

    @staticmethod
    def keep_round(uow: UnitOfWork, body: Any, planned: PlannedRound) -> RoundRecord:
        """Store a planned round in the caller's unit of work (not committed)."""
        return uow.rounds.add(planned.name, list(planned.council_ids), dict(body),
                              planned.document, planned.status)

    def round(self, round_id: str) -> RoundRecord:
        """One round as asked and answered."""
        with self.reader() as uow:
            return uow.rounds.get(round_id)

    def rounds_of(self, council_id: str) -> list[RoundRecord]:
        """The rounds a council was planned in, newest first."""
        with self.reader() as uow:
            uow.councils.get(council_id)
            return uow.rounds.of_council(council_id)
