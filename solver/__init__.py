"""Plan optimisation on plain numbers with OR-Tools CP-SAT; knows no iCal, HTTP or database.

``solve(Problem)`` chooses the meeting slots; ``solve_round(RoundProblem)`` plans
councils that share people together (``clashes`` finds their meetings too close);
``violations`` checks a plan without a solver; ``quorum_probability`` is the exact
Poisson-binomial of MODEL.md.
"""

from .errors import ProblemError
from .probability import quorum_probability
from .problem import SCALE, Period, Problem, Slot
from .round import RoundProblem, RoundSolution, clashes, solve_round
from .solution import Alternative, Solution
from .solve import solve
from .validate import eligible, violations

__all__ = ["SCALE", "Alternative", "Period", "Problem", "ProblemError", "RoundProblem",
           "RoundSolution", "Slot", "Solution", "clashes", "eligible", "quorum_probability",
           "solve", "solve_round", "violations"]
