"""qunsim: simulate chat communities and compare operating strategies before rollout.

    from sim import load, run_scenario, compare, sweep
    result_dir = run_scenario("scenarios/baseline.yaml", reps=5)
    result_dir = compare(["a.yaml", "b.yaml"], reps="auto", precision=0.01)
    result_dir = sweep("experiments/group_size.yaml", workers=2)
"""

__version__ = "0.1.0"

__all__ = ["__version__", "compare", "load", "run_scenario", "sweep"]


def __getattr__(name: str):
    """The API on first use: a worker process imports only the model (sim.runner), ~1 s sooner."""
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
