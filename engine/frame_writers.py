"""Write result tables (the vector engine's) as CSV or Parquet, chunk by chunk.

The CSV is byte for byte what writers.write_csv writes for the same results: the same columns
(writers.CSV_COLUMNS), Python's csv quoting (QUOTE_MINIMAL, probed from the csv module itself so
both stay in step), '\\n' line ends. It is encoded with pyarrow kernels: no Python object per row.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .writers import CSV_COLUMNS

CSV_SEPARATOR = ","
# Columns Parquet keeps as numbers; every other column is text, as in the CSV.
PARQUET_TYPES = {"level": pa.int64(), "share_absent": pa.float64()}


def _quoted_characters() -> str:
    """The characters that make Python's csv writer quote a field (with our dialect)."""
    found = []
    for code in range(0x80):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([f"a{chr(code)}b", "x"])
        if buf.getvalue().startswith('"'):
            found.append(chr(code))
    return "".join(found)


_NEEDS_QUOTES = "[" + "".join(re.escape(c) if c not in "\n\r" else {"\n": r"\n", "\r": r"\r"}[c]
                               for c in _quoted_characters()) + "]"


_QUOTED_BYTES = np.frombuffer(_quoted_characters().encode("ascii"), dtype=np.uint8)


def _has_any_byte(column: pa.Array, wanted: np.ndarray) -> bool:
    """Whether any value holds one of these (ASCII) bytes: one scan of the data buffer."""
    data = np.frombuffer(_string_data(column), dtype=np.uint8)
    return bool(np.isin(data, wanted).any())


def csv_header(columns=CSV_COLUMNS) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(columns)
    return buf.getvalue()


def encode_csv_rows(table: pa.Table) -> memoryview:
    """The table's rows as CSV lines (UTF-8), without the header."""
    if table.num_rows == 0:
        return memoryview(b"")
    columns = []
    for column in table.columns:
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        column = column.cast(pa.string()).fill_null("")
        if _has_any_byte(column, _QUOTED_BYTES):
            needs = pc.match_substring_regex(column, _NEEDS_QUOTES)
            quoted = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
            column = pc.if_else(needs, quoted, column)
        columns.append(column)
    lines = pc.binary_join_element_wise(*columns, CSV_SEPARATOR)
    lines = pc.binary_join_element_wise(lines, "", "\n")  # each line + "\n"
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    return _string_data(lines)


def _string_data(array: pa.Array) -> memoryview:
    """The concatenated values of a string array without nulls: its data buffer, in place."""
    offset_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=offset_type)
    start, end = offsets[array.offset], offsets[array.offset + len(array)]
    return memoryview(array.buffers()[2])[start:end]


def write_text(out: IO[str], data: memoryview) -> None:
    """Bytes to a text stream: straight to its byte buffer when it has one."""
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
        buffer.write(data)
    else:
        out.write(bytes(data).decode("utf-8"))


def parquet_schema(columns=CSV_COLUMNS) -> pa.Schema:
    return pa.schema([(c, PARQUET_TYPES.get(c, pa.string())) for c in columns])


class ParquetSink:
    """Row groups appended as they come; one file."""

    def __init__(self, path: Path, columns=CSV_COLUMNS):
        self.schema = parquet_schema(columns)
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")

    def write(self, table: pa.Table) -> None:
        self.writer.write_table(table.select(self.schema.names).cast(self.schema))

    def close(self) -> None:
        self.writer.close()
