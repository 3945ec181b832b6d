"""A run's tables go to disk as Arrow straight from NumPy (sim/tables.py): they must read back as
the pandas frames they stand for, part by part and once combined."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim import tables
from sim.runner import _by_day
from sim.store import PARTS, _combine

KPIS = pa.table({"rep": [0]})  # a part's first table (PARTS); these tests combine its second, daily's place


def combine(ts, tmp_path):
    """Each table as a part's daily table, the parts combined into all.parquet."""
    paths = [tmp_path / f"{i}.arrow" for i in range(len(ts))]
    for t, path in zip(ts, paths):
        tables.write([KPIS, t], path)
    _combine(paths, {PARTS[1]: tmp_path / "all.parquet"})
    return pd.read_parquet(tmp_path / "all.parquet")

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


def test_a_part_file_reads_back_as_its_tables_in_order(tmp_path):
    cols = list(parts(3))
    written = [table_of(*c) for c in cols]
    tables.write(written, tmp_path / "part.arrow")
    shape = tables.index(tmp_path / "part.arrow")
    assert [rows for _, _, rows in shape] == [len(c[0]) for c in cols] and not (tmp_path / "part.tmp").exists()
    assert shape[0][0] == 0 and tables.read(tmp_path / "part.arrow").equals(written[0])  # the first: at 0
    for t, (at, schema, _), c in zip(written, shape, cols):
        back = tables.read(tmp_path / "part.arrow", at)
        assert back.equals(t) and back.schema.equals(t.schema, check_metadata=True) and schema.equals(t.schema)
        pd.testing.assert_frame_equal(back.to_pandas(), frame_of(*c), check_exact=True)
        assert str(back.to_pandas()["left"].dtype) == "Int32" and back.to_pandas()["why"].dtype == "category"


def test_a_part_that_fails_midway_is_not_there(tmp_path):
    """A part exists only whole: one that cannot be written completely leaves no part file."""
    with pytest.raises(AttributeError):
        tables.write([KPIS, "not a table"], tmp_path / "part.arrow")
    assert not (tmp_path / "part.arrow").exists()


def test_combined_parts_read_back_as_the_frames_concatenated_in_order(tmp_path):
    cols = list(parts(4))
    back = combine([table_of(*c) for c in cols], tmp_path)
    want = pd.concat([frame_of(*c) for c in cols], ignore_index=True)
    pd.testing.assert_frame_equal(back, want, check_exact=True,
                                  check_categorical=False)  # concat of categoricals: same categories, same values
    assert pq.read_metadata(tmp_path / "all.parquet").num_rows == sum(len(c[0]) for c in cols)


def test_combined_parts_are_written_a_batch_at_a_time(tmp_path):
    ts = [tables.table({"day": np.arange(i, i + 3)}, {"rep": i}) for i in range(4)]
    for i, t in enumerate(ts):
        tables.write([KPIS, t], tmp_path / f"{i}.arrow")
    _combine([tmp_path / f"{i}.arrow" for i in range(4)], {PARTS[1]: tmp_path / "all.parquet"}, batch_rows=5)
    assert pq.read_metadata(tmp_path / "all.parquet").num_row_groups == 2  # 6 rows, then 6
    assert pd.read_parquet(tmp_path / "all.parquet")["day"].tolist() == [0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 5]


def test_a_part_without_rows_or_a_column_combines_as_nulls(tmp_path):
    a = tables.table({"day": np.array([2, 1]), "extra": np.array([5.0, 6.0])}, {"rep": 0})
    b = tables.table({"day": np.zeros(0, np.int64), "extra": np.zeros(0)}, {"rep": 1})
    c = tables.table({"day": np.array([0])}, {"rep": 2})
    back = combine([a, b, c], tmp_path)
    assert back["day"].tolist() == [2, 1, 0] and back["rep"].tolist() == [0, 0, 2]
    assert back["extra"].tolist()[:2] == [5.0, 6.0] and np.isnan(back["extra"].iloc[2])


def test_a_runs_logs_are_stored_by_day_and_group_as_a_stable_sort_gives():
    day, group = np.array([1, 0, 1, 0, 1]), np.array([2, 5, 1, 5, 2])
    log = _by_day({"day": day, "group": group, "row": np.arange(5)})
    want = pd.DataFrame({"day": day, "group": group, "row": np.arange(5)}).sort_values(["day", "group"], kind="stable")
    assert log["row"].tolist() == want["row"].tolist() == [1, 3, 2, 0, 4]
