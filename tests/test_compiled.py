"""The compiled kernels (agents/compiled.py) keep a run bit-identical to the NumPy they replaced
only if every random draw stays NumPy's (a NumPy call, or NumPy's own C functions through
agents/draws.py): numba's own distributions are not NumPy's.

Its Poisson for means of 10 and more truncates where NumPy floors (a rare draw comes out 0
instead of being rejected), which moved a 1,000,000-member run from day 21 on before `post`
drew in NumPy again.
"""

import inspect
import os

import numba
import numpy as np
import pytest

import agents.behaviour
import agents.community
import agents.draws
import agents.network
import sim.model
from agents.compiled import shift
from agents.world import World
from sim.model import CommunityModel

MODULES = (agents.behaviour, agents.community, agents.draws, agents.network, sim.model)


def _kernels():
    for module in MODULES:
        for name, f in inspect.getmembers(module):
            if isinstance(f, numba.core.registry.CPUDispatcher):
                yield f"{module.__name__}.{name}", f


def test_no_kernel_takes_a_random_generator():
    """Run a day with every draw in play (arrivals, posting with ads and rituals, reading, reacting,
    forwarding, inviting), then check what each kernel was compiled for."""
    world = World.model_validate({"population": {"size": 3000, "sociability_median": 2.0},
                                  "groups": {"initial": 3, "initial_members": 200}})
    model = CommunityModel(world, seed=3)
    model.community.members.spammer[::7] = True
    model.run(5)
    kernels = dict(_kernels())
    assert len(kernels) > 20, "the day's rules are compiled"
    compiled = {name: f.signatures for name, f in kernels.items() if f.signatures}
    assert len(compiled) > 20
    drawing = [name for name, sigs in compiled.items() if any("Generator" in str(t) for sig in sigs for t in sig)]
    assert not drawing, f"kernels drawing with numba's own distributions: {drawing}"


def test_posts_are_numpy_poisson_draws_of_the_posting_rates():
    """Posting counts (talk + ads), drawn inside a kernel, are rng.poisson of each row's rate: the
    first draws of the day's posting stream, with NumPy's algorithms (means of 10 and more
    included; numba's differs there about once in 30,000 draws, too rarely to show here: the
    test above guards that)."""
    from agents import behaviour as rules
    from agents.effects import Effects

    world = World.model_validate({"population": {"size": 20000, "sociability_median": 8.0, "sociability_cap": 60},
                                  "groups": {"initial": 40, "initial_members": 500}})
    model = CommunityModel(world, seed=5)
    c = model.community
    sizes = c.group_sizes()
    fx = Effects(c.groups.n, c.people.size)
    rate = rules.multiplier(c, world, rules.familiarity(c, sizes), c.people.sociability)
    rate[c.members.spammer] = world.posting.spam_rate
    assert np.count_nonzero(rate >= 10) > 2000  # NumPy's other Poisson algorithm is in play
    posts = rules.post(c, world, fx, np.random.default_rng(9), 0, sizes)
    assert np.array_equal(posts.chat + posts.valuable + posts.spam, np.random.default_rng(9).poisson(rate))


def test_the_kernel_cache_is_new_for_new_kernel_sources(tmp_path, monkeypatch):
    """numba notices a change to a kernel's own file only, yet kernels compile in kernels of other
    files (agents/draws.py): the cache folder is named by all kernel sources; the last KEPT stay."""
    import agents.compiled as compiled

    for folder in compiled._SOURCES:
        (tmp_path / folder).mkdir()
    (tmp_path / "agents" / "draws.py").write_text("@jit\ndef f(): return 1\n")
    (tmp_path / "sim" / "notes.py").write_text("no kernels here\n")
    monkeypatch.setattr(compiled, "_PACKAGE", tmp_path)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    first = compiled.kernel_cache()
    (tmp_path / "sim" / "notes.py").write_text("still none\n")
    assert compiled.kernel_cache() == first  # a file without kernels does not count
    os.utime(first, (1, 1))  # (the order of use, whatever the clock's resolution)
    versions = [first]
    for k in range(2, compiled.KEPT + 2):
        (tmp_path / "agents" / "draws.py").write_text(f"@jit\ndef f(): return {k}\n")
        versions.append(compiled.kernel_cache())
        os.utime(versions[-1], (k, k))
    assert len(set(versions)) == len(versions) and all(v.parent == first.parent for v in versions)
    (tmp_path / "agents" / "draws.py").write_text(f"@jit\ndef f(): return {compiled.KEPT + 1}\n")
    assert compiled.kernel_cache() == versions[-1]  # back to a version used: its folder, kept
    assert sorted(first.parent.glob("kernels-*")) == sorted(versions[-compiled.KEPT:])  # the oldest went


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float64, np.bool_])
def test_shift_moves_an_overlapping_block_as_numpy_does(dtype):
    rng = np.random.default_rng(5)
    for start, end, by in [(3, 40, 1), (3, 40, 7), (10, 50, -10), (1, 50, -1), (5, 5, 3), (0, 45, 5)]:
        buf = rng.integers(0, 100, 50).astype(dtype)
        want = buf.copy()
        want[start + by:end + by] = want[start:end].copy()
        shift(buf, start, end, by)
        assert np.array_equal(buf, want), (start, end, by)


def test_shift_refuses_a_block_outside_the_array():
    buf = np.arange(10)
    for start, end, by in [(5, 10, 1), (0, 4, -1), (-1, 3, 1), (2, 11, -2)]:
        with pytest.raises(IndexError):
            shift(buf, start, end, by)
    assert np.array_equal(buf, np.arange(10))
