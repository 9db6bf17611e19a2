# bench/daft-lance.py: the Python side of bench/daft-lance.ts, run in the
# benchmark's own virtual environment (daft 0.7.26, daft-lance 0.6.0,
# pylance 14.0.2).
#   write  --path P --rows N --fragment-rows F   the bench data, written by pylance
#   build  --path P --type T --column C [--group-size G]
#          one distributed build with daft-lance on Daft's local (native) runner,
#          2 workers; prints the segments committed
#   verify --path P --type T --column C --queries JSON
#          answers of pylance 14's planner, and whether it used the index
import argparse
import json
import sys
import time

import lance
import pyarrow as pa


def write(args):
    rows = args.rows
    batch = 500_000

    def batches():
        for start in range(0, rows, batch):
            n = min(batch, rows - start)
            ids = pa.array(range(start, start + n), pa.int64())
            values = pa.array([float(((start + i) * 2654435761) % 1000003) for i in range(n)], pa.float64())
            cats = pa.array([f"category-{(start + i) % 50}" for i in range(n)], pa.string())
            text = pa.array([f"item {(start + i) % 1000} running search index number {(start + i) % 97}" for i in range(n)], pa.string())
            yield pa.record_batch([ids, values, cats, text], names=["id", "value", "category", "text"])

    schema = pa.schema([("id", pa.int64()), ("value", pa.float64()), ("category", pa.string()), ("text", pa.string())])
    reader = pa.RecordBatchReader.from_batches(schema, batches())
    ds = lance.write_dataset(reader, args.path, max_rows_per_file=args.fragment_rows, data_storage_version="2.0")
    print(json.dumps({"rows": ds.count_rows(), "fragments": len(ds.get_fragments())}))


def build(args):
    import daft
    import daft_lance

    daft.set_runner_native(num_threads=2)
    started = time.time()
    kwargs = {"column": args.column, "index_type": args.type, "name": f"{args.column}_idx", "max_concurrency": 2}
    if args.group_size:
        kwargs["fragment_group_size"] = args.group_size
    daft_lance.create_scalar_index(args.path, **kwargs)
    took = time.time() - started
    ds = lance.dataset(args.path)
    segments = [i for i in ds.describe_indices() if i.name == f"{args.column}_idx"]
    print(json.dumps({"seconds": took, "segments": [len(s.segments) for s in segments]}))


def verify(args):
    ds = lance.dataset(args.path)
    out = {}
    for q in json.loads(args.queries):
        if args.type == "INVERTED":
            t = ds.to_table(full_text_query=q, columns=["id"], with_row_id=False, limit=1_000_000)
            plan = ds.scanner(full_text_query=q, columns=["id"], limit=1_000_000).explain_plan(True)
            used = "MatchQuery" in plan or "FlatMatchQuery" not in plan and "Fts" in plan
        else:
            t = ds.to_table(filter=q, columns=["id"])
            plan = ds.scanner(filter=q, columns=["id"]).explain_plan(True)
            used = "ScalarIndexQuery" in plan or "MaterializeIndex" in plan
        ids = sorted(t.column("id").to_pylist())
        out[q] = {"count": len(ids), "sum": sum(ids), "usedIndex": used}
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["write", "build", "verify"])
    p.add_argument("--path", required=True)
    p.add_argument("--rows", type=int, default=5_000_000)
    p.add_argument("--fragment-rows", type=int, default=500_000)
    p.add_argument("--type")
    p.add_argument("--column")
    p.add_argument("--group-size", type=int)
    p.add_argument("--queries")
    args = p.parse_args()
    {"write": write, "build": build, "verify": verify}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
