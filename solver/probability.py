"""Exact probabilities over independent parties (MODEL.md)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["quorum_probability"]


def quorum_probability(presence: npt.NDArray[np.float64], quorum: int) -> npt.NDArray[np.float64]:
    """P(at least ``quorum`` parties present) per slot, exactly (Poisson-binomial).

    ``presence`` is parties x slots; the dynamic programme runs over parties for all
    slots at once.
    """
    parties, slots = presence.shape
    # counts[j, s] = P(exactly j of the parties seen so far are present at s)
    counts = np.zeros((parties + 1, slots))
    counts[0] = 1.0
    for p in range(parties):
        here = presence[p]
        counts[1 : p + 2] = counts[1 : p + 2] * (1 - here) + counts[0 : p + 1] * here
        counts[0] = counts[0] * (1 - here)
    result: npt.NDArray[np.float64] = counts[quorum:].sum(axis=0)
    return np.clip(result, 0.0, 1.0)
