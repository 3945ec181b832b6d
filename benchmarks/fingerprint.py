"""Fingerprint every output of a run, for each arm of each example scenario and two benchmark
worlds: the check that a speed change left every number bit-identical.

    python benchmarks/fingerprint.py /tmp/before.json    # on the old code (git stash)
    python benchmarks/fingerprint.py /tmp/after.json     # on the new code
    diff /tmp/before.json /tmp/after.json                # empty: nothing moved

Runs are shortened (at most 60 days, 20,000 people) so the whole check takes ~10 s.
"""
import sys, hashlib, glob, json
sys.path.insert(0, '.')
import pandas as pd
from sim.scenario import load
from sim import runner
out = {}
files = sorted(glob.glob('scenarios/*.yaml'))
for f in files:
    ld = load(f)
    for arm, sc in ld.arms.items():
        data = sc.model_dump(mode='json')
        data['days'] = min(sc.days, 60)
        data['world']['population']['size'] = min(data['world']['population']['size'], 20000)
        job = runner.Job(arm, 0, 7, data, 'scenarios', None, ())
        try:
            res = runner.execute(job)
        except Exception as e:
            out[f + ':' + arm] = 'ERR ' + repr(e)[:80]; continue
        h = hashlib.sha256()
        h.update(json.dumps(res.kpis, sort_keys=True, default=str).encode())
        for name in ('daily', 'group_days', 'invitations', 'joining', 'people', 'groups', 'memberships', 'forwards'):
            h.update(pd.util.hash_pandas_object(getattr(res, name).to_pandas(), index=False).values.tobytes())
        out[f + ':' + arm] = h.hexdigest()[:16]
json.dump(out, open(sys.argv[1], 'w'), indent=1)
print(len(out), 'arms hashed')
# the benchmark world: everyone a member on day 0, leavers re-exposed
sys.path.insert(0, 'benchmarks')
from run import world_data
for people, days in ((20000, 120), (5000, 200)):
    data = {'name': 'bench', 'days': days, 'world': world_data(people, None, 100), 'strategy': []}
    res = runner.execute(runner.Job('bench', 0, 3, data, '.', None, ()))
    h = hashlib.sha256(json.dumps(res.kpis, sort_keys=True, default=str).encode())
    for name in ('daily', 'group_days', 'invitations', 'joining', 'people', 'groups', 'memberships', 'forwards'):
        h.update(pd.util.hash_pandas_object(getattr(res, name).to_pandas(), index=False).values.tobytes())
    out[f'bench{people}x{days}'] = h.hexdigest()[:16]
json.dump(out, open(sys.argv[1], 'w'), indent=1)
print(len(out), 'with bench worlds')
