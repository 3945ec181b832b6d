"""qunsim: simulate chat communities and compare operating strategies before rollout.

    from sim import load, run_scenario
    result_dir = run_scenario("scenarios/baseline.yaml", reps=5)
"""

__version__ = "0.1.0"

from .api import load, run_scenario  # noqa: E402

__all__ = ["__version__", "load", "run_scenario"]
