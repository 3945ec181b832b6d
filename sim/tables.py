"""A run's tables as Arrow, straight from the model's NumPy columns, and the files they land in.

Why not pandas: a small run's tables cost more to convert (pandas -> Arrow, ~0.5 ms a
column) and to write as Parquet than the run itself takes to simulate. So a run's tables
are built as Arrow from its NumPy columns (no copy), written as ONE uncompressed Arrow IPC part
file (its tables one after another), and turned into Parquet once, when a results folder is
combined. The
pandas metadata a table carries makes `pd.read_parquet` give the dtypes the tables always
had: nullable days as `Int32`, codes as categoricals, names as strings.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

PART = ".arrow"  # a run's part file: parts/<run_id>.arrow


def nullable(values: np.ndarray, missing: np.ndarray) -> pa.Array:
    """Integers with nulls where `missing`: an Arrow array given to `table`, read back as Int32/Int64."""
    return pa.array(values, mask=np.asarray(missing, bool))


def categorical(codes: np.ndarray, names: tuple[str, ...]) -> pa.DictionaryArray:
    """Codes into `names` (every run's part has the same dictionary); -1 is null."""
    codes = np.asarray(codes, np.int8)
    return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), pa.array(list(names), pa.large_string()))


def table(columns: dict[str, Any], tags: dict[str, Any] | None = None) -> pa.Table:
    """An Arrow table of NumPy arrays (or the arrays above), with constant `tags` columns (arm, rep ...)."""
    tags = tags or {}
    n = len(next(iter(columns.values()))) if columns else 0
    arrays = [_arrow(c) for c in columns.values()]
    arrays += [pa.repeat(pa.scalar(v, pa.large_string() if isinstance(v, str) else None), n) for v in tags.values()]
    nulls = [isinstance(c, pa.Array) and pa.types.is_integer(c.type) for c in columns.values()] + [False] * len(tags)
    names = [*columns, *tags]
    return pa.Table.from_arrays(arrays, names=names).replace_schema_metadata(
        _pandas_metadata(tuple(zip(names, (a.type for a in arrays), nulls))))


def _arrow(column: Any) -> pa.Array:
    if isinstance(column, pa.Array):
        return column
    column = np.asarray(column)
    return pa.array(column, pa.large_string() if column.dtype.kind in "OUT" else None)


@functools.lru_cache(maxsize=256)
def _pandas_metadata(fields: tuple[tuple[str, pa.DataType, bool], ...]) -> dict[bytes, bytes]:
    """The pandas metadata of a table of these (name, type, nullable integer) fields, taken from a
    0-row frame of their pandas dtypes: once per kind of table in a process."""
    proto = pa.schema([(name, kind) for name, kind, _ in fields]).empty_table().to_pandas()
    for name, kind, nulls in fields:
        if nulls:
            proto[name] = proto[name].astype(str(kind).capitalize())  # int32 -> Int32
    return {b"pandas": pa.Schema.from_pandas(proto, preserve_index=False).metadata[b"pandas"]}


def write(ts: Sequence[pa.Table], path: Path) -> None:
    """One part file of several tables, atomically: written beside, then renamed, so a part that
    exists is whole. Each table is an Arrow IPC stream (schema, batches, end mark), the streams one
    after another: one file to open and rename per run, not one per table (each costs about as much
    as writing a small table). Buffered: a stream's many small writes become a few system calls."""
    tmp = Path(path).with_suffix(".tmp")
    with pa.output_stream(str(tmp), compression=None, buffer_size=1 << 20) as sink:
        for t in ts:
            with pa.ipc.new_stream(sink, t.schema) as writer:
                writer.write_table(t)
    os.replace(tmp, path)


def read(path: Path, at: int = 0) -> pa.Table:
    """The table of a part file that starts at byte `at` (0: the first), memory-mapped (no copy)."""
    with pa.memory_map(str(path)) as source:
        source.seek(at)
        return pa.ipc.open_stream(source).read_all()


def index(path: Path) -> list[tuple[int, pa.Schema, int]]:
    """Where each table of a part file starts, its schema and its number of rows. Memory-mapped,
    so little more than the tables' headers is read."""
    out = []
    with pa.memory_map(str(path)) as source:
        while source.tell() < source.size():
            at = source.tell()
            t = pa.ipc.open_stream(source).read_all()
            out.append((at, t.schema, t.num_rows))
    return out
