#!/usr/bin/python3
"""Writes the Parquet files of this folder with pyarrow, a writer independent
of efstop and of DuckDB (the other tests' writer). Debian 12 has no pyarrow:
run it where Debian packages one (README.md says how), from tests/cli/data:

    python3 pyarrow/write.py

Each text file's records (default version-2 format; a header line is read
as the field names) become one Parquet file per variant below, with the
column names and types AWS uses for Parquet flow logs (docs/parquet.md):
dashes become NULLs, as AWS writes them.
"""

import pyarrow as pa
import pyarrow.parquet as pq

DEFAULT = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol "
           "packets bytes start end action log-status").split()
INT32 = {"version", "srcport", "dstport", "protocol", "tcp-flags", "traffic-path"}
INT64 = {"packets", "bytes", "start", "end"}

# (suffix, codec, data page version, dictionary, rows per row group)
VARIANTS = [
    ("snappy-v1-dict", "snappy", "1.0", True, None),
    ("gzip-v2-dict", "gzip", "2.0", True, None),
    ("zstd-v2-plain", "zstd", "2.0", False, None),
    ("none-v1-plain-groups4", "none", "1.0", False, 4),
    ("brotli-v1-dict", "brotli", "1.0", True, None),  # a codec efstop refuses by name
]


def read_records(path, limit=None):
    with open(path) as f:
        lines = [line.split() for line in f if line.strip()]
    names = DEFAULT
    if lines and lines[0][0] == "version":
        names, lines = lines[0], lines[1:]
    lines = [r for r in lines if len(r) == len(names)][:limit]
    columns = {}
    for i, name in enumerate(names):
        values = [None if r[i] == "-" else r[i] for r in lines]
        if name in INT32:
            columns[name.replace("-", "_")] = pa.array(
                [None if v is None else int(v) for v in values], pa.int32())
        elif name in INT64:
            columns[name.replace("-", "_")] = pa.array(
                [None if v is None else int(v) for v in values], pa.int64())
        else:
            columns[name.replace("-", "_")] = pa.array(values, pa.string())
    return pa.table(columns)


def main():
    for source, limit, stem in (("pairs.log", 15, "pairs"), ("unknown.log", None, "unknown")):
        table = read_records(source, limit)
        for suffix, codec, page_version, dictionary, group in VARIANTS:
            if stem == "unknown" and suffix != "snappy-v1-dict":
                continue  # one variant of the unknown-field records is enough
            pq.write_table(table, f"pyarrow/{stem}-{suffix}.parquet", compression=codec,
                           data_page_version=page_version, use_dictionary=dictionary,
                           row_group_size=group, write_statistics=False)
            print(f"pyarrow/{stem}-{suffix}.parquet: {table.num_rows} rows, {codec}, "
                  f"data page v{page_version[0]}, dictionary {'on' if dictionary else 'off'}")


if __name__ == "__main__":
    main()
