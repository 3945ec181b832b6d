"""A run's tables go to disk as Arrow straight from NumPy (sim/tables.py): they must read back as
the pandas frames they stand for, part by part and once combined."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim import tables
from sim.runner import _by_day
from sim.store import _stream_concat

NAMES = ("stayed", "unhappy", "closed")


def frame_of(day, missing, codes, how, rep):
    """What the table stands for, built the pandas way."""
    return pd.DataFrame({"day": day, "left": pd.arrays.IntegerArray(day.astype(np.int32), missing),
                         "why": pd.Categorical.from_codes(codes, categories=list(NAMES)), "how": how,
                         "share": day / 10}).assign(arm="a", rep=rep)


def table_of(day, missing, codes, how, rep):
    return tables.table({"day": day, "left": tables.nullable(day.astype(np.int32), missing),
                         "why": tables.categorical(codes, NAMES), "how": how, "share": day / 10}, {"arm": "a", "rep": rep})


def parts(n=3):
    rng = np.random.default_rng(1)
    for rep in range(n):
        k = int(rng.integers(0, 6))
        yield (rng.integers(-2, 30, k), rng.random(k) < 0.4, rng.integers(-1, 3, k).astype(np.int8),
               np.asarray(rng.choice(["friend", "poster"], k), object), rep)


def test_a_table_reads_back_as_the_frame_it_stands_for(tmp_path):
    for i, cols in enumerate(parts()):
        tables.write(table_of(*cols), tmp_path / f"{i}.arrow")
        back = tables.read(tmp_path / f"{i}.arrow").to_pandas()
        pd.testing.assert_frame_equal(back, frame_of(*cols), check_exact=True)
        assert str(back["left"].dtype) == "Int32" and back["why"].dtype == "category"


def test_combined_parts_read_back_as_the_frames_concatenated_in_order(tmp_path):
    cols = list(parts(4))
    paths = []
    for i, c in enumerate(cols):
        paths.append(tmp_path / f"{i}.arrow")
        tables.write(table_of(*c), paths[-1])
    _stream_concat(paths, tmp_path / "all.parquet")
    want = pd.concat([frame_of(*c) for c in cols], ignore_index=True)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "all.parquet"), want, check_exact=True,
                                  check_categorical=False)  # concat of categoricals: same categories, same values
    assert pq.read_metadata(tmp_path / "all.parquet").num_rows == sum(len(c[0]) for c in cols)


def test_a_part_without_rows_or_a_column_combines_as_nulls(tmp_path):
    a = tables.table({"day": np.array([2, 1]), "extra": np.array([5.0, 6.0])}, {"rep": 0})
    b = tables.table({"day": np.zeros(0, np.int64), "extra": np.zeros(0)}, {"rep": 1})
    c = tables.table({"day": np.array([0])}, {"rep": 2})
    for i, t in enumerate((a, b, c)):
        tables.write(t, tmp_path / f"{i}.arrow")
    _stream_concat([tmp_path / f"{i}.arrow" for i in range(3)], tmp_path / "all.parquet")
    back = pd.read_parquet(tmp_path / "all.parquet")
    assert back["day"].tolist() == [2, 1, 0] and back["rep"].tolist() == [0, 0, 2]
    assert back["extra"].tolist()[:2] == [5.0, 6.0] and np.isnan(back["extra"].iloc[2])


def test_a_runs_logs_are_stored_by_day_and_group_as_a_stable_sort_gives():
    day, group = np.array([1, 0, 1, 0, 1]), np.array([2, 5, 1, 5, 2])
    log = _by_day({"day": day, "group": group, "row": np.arange(5)})
    want = pd.DataFrame({"day": day, "group": group, "row": np.arange(5)}).sort_values(["day", "group"], kind="stable")
    assert log["row"].tolist() == want["row"].tolist() == [1, 3, 2, 0, 4]
