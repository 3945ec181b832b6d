"""The reference model: qunsim's rules written the plain Mesa way, one agent at a time.

It is the readable specification of the daily rules and the yardstick of the fast engine
(sim.model.CommunityModel): the same world gives the same KPI distributions
(tests/test_equivalence.py), and `make bench` times both on the same scenario.

    from benchmarks.reference import ReferenceModel, measure
    kpis = measure(ReferenceModel(world, seed=1).run(60))

or from the shell: `python -m benchmarks.reference scenarios/baseline.yaml --reps 3`.
"""

from .model import ReferenceModel, member_days
from .outcomes import measure

__all__ = ["ReferenceModel", "measure", "member_days"]
