"""The same politician in several councils of a round: member entries that share an
e-mail address (case-insensitive) or a ``person`` id are one person (MODEL.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .council import Council
from .errors import InputError

__all__ = ["Person", "Seat", "shared_people"]


@dataclass(frozen=True)
class Seat:
    """Where a person sits: a council of the round (by position), a party, a member."""

    council: int
    party: str
    index: int


@dataclass(frozen=True)
class Person:
    """A person who sits in more than one council of the round."""

    name: str
    seats: tuple[Seat, ...]

    @property
    def councils(self) -> frozenset[int]:
        """The councils (by position) the person sits in."""
        return frozenset(seat.council for seat in self.seats)


def _keys(council: Council, party: int, index: int) -> list[str]:
    member = council.parties[party].members[index]
    keys = []
    if member.person:
        keys.append(f"person:{member.person}")
    if member.email:
        keys.append(f"email:{member.email.strip().casefold()}")
    return keys


def shared_people(councils: Sequence[tuple[str, Council]]) -> list[Person]:
    """Everyone who sits in two or more of the councils, by first appearance.

    Raises InputError when one person sits twice in one council (named by the round's
    council id, the parties and the members).
    """
    parent: dict[Seat, Seat] = {}

    def root(seat: Seat) -> Seat:
        while parent[seat] != seat:
            parent[seat] = parent[parent[seat]]
            seat = parent[seat]
        return seat

    first: dict[str, Seat] = {}
    order: list[Seat] = []
    for c, (_id, council) in enumerate(councils):
        for p, party in enumerate(council.parties):
            for i in range(len(party.members)):
                seat = Seat(c, party.id, i)
                parent[seat] = seat
                order.append(seat)
                for key in _keys(council, p, i):
                    if key in first:
                        parent[root(seat)] = root(first[key])
                    else:
                        first[key] = seat
    groups: dict[Seat, list[Seat]] = {}
    for seat in order:
        groups.setdefault(root(seat), []).append(seat)
    people = []
    for seats in groups.values():
        if len(seats) < 2:
            continue
        by_council: dict[int, list[Seat]] = {}
        for seat in seats:
            by_council.setdefault(seat.council, []).append(seat)
        for c, here in by_council.items():
            if len(here) > 1:
                round_id, council = councils[c]
                who = ", ".join(
                    f"{council.party(s.party).members[s.index].name} ({s.party})" for s in here)
                raise InputError(f"one person (the same e-mail or person id) sits twice in "
                                 f"this council: {who}", field=f"councils[{c}]",
                                 source=f"council {round_id!r}")
        if len(by_council) > 1:
            _id, council = councils[seats[0].council]
            name = council.party(seats[0].party).members[seats[0].index].name
            people.append(Person(name, tuple(seats)))
    return people
