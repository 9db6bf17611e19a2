"""Drives pylance (Lance 14) for the tests: one JSON request per stdin line,
one JSON response per stdout line. Arrow data travels as Arrow IPC files whose
paths are named in the requests and responses.

Request:  {"id": 1, "op": "write", "uri": "...", ...}
Response: {"id": 1, "ok": true, "result": ...} or {"id": 1, "ok": false, "error": "..."}
"""

import base64
import json
import sys
import traceback

import lance
import pyarrow as pa
dataset_module = sys.modules["lance.dataset"]
Index = dataset_module.Index
IndexFile = dataset_module.IndexFile


def read_ipc(path):
    # Lance's Rust side refuses buffers that are not aligned to their value width (16 bytes for
    # decimals), while IPC files promise only 8.
    # Copying every column (take) puts each buffer in freshly allocated, 64-byte aligned memory.
    with pa.OSFile(path, "rb") as source:
        table = pa.ipc.open_file(source).read_all()
    return table.take(pa.array(range(table.num_rows), pa.int64()))


def write_ipc(table, path):
    # Arrow JS reads no large lists: they travel as lists
    for i, field in enumerate(table.schema):
        if pa.types.is_large_list(field.type):
            small = pa.list_(field.type.value_field)
            table = table.set_column(i, pa.field(field.name, small, field.nullable), table.column(i).cast(small))
    with pa.OSFile(path, "wb") as sink:
        with pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)


def open_dataset(req):
    if "version" in req and req["version"] is not None:
        return lance.dataset(req["uri"], version=req["version"])
    return lance.dataset(req["uri"])


def dataset_summary(ds):
    return {
        "version": ds.version,
        "data_storage_version": ds.data_storage_version,
        "count_rows": ds.count_rows(),
        "fragments": [
            {"id": f.fragment_id, "physical_rows": f.metadata.physical_rows, "num_deletions": f.metadata.num_deletions}
            for f in ds.get_fragments()
        ],
    }


def segment_to_json(index):
    return {
        "uuid": str(index.uuid),
        "name": index.name,
        "fields": list(index.fields),
        "dataset_version": index.dataset_version,
        "fragment_ids": sorted(int(x) for x in index.fragment_ids),
        "index_version": index.index_version,
        "files": [{"path": f.path, "size_bytes": f.size_bytes} for f in (index.files or [])],
        "type_url": index.index_details[0] if index.index_details else None,
        "details": base64.b64encode(index.index_details[1]).decode() if index.index_details else None,
    }


def op_write(req):
    table = read_ipc(req["ipc"])
    # Arrow JS has no large lists: columns named here are cast to them before writing
    for name in req.get("large_lists", []):
        i = table.schema.get_field_index(name)
        field = table.schema.field(i)
        large = pa.large_list(field.type.value_field)
        table = table.set_column(i, pa.field(name, large, field.nullable), table.column(i).cast(large))
    options = req.get("options", {})
    ds = lance.write_dataset(table, req["uri"], mode=req.get("mode", "create"), **options)
    return dataset_summary(ds)


def op_summary(req):
    return dataset_summary(open_dataset(req))


def op_delete(req):
    ds = open_dataset(req)
    ds.delete(req["predicate"])
    return dataset_summary(lance.dataset(req["uri"]))


def op_update(req):
    ds = open_dataset(req)
    ds.update(req["updates"], where=req.get("where"))
    return dataset_summary(lance.dataset(req["uri"]))


def op_alter_columns(req):
    ds = open_dataset(req)
    ds.alter_columns(*req["alterations"])
    return dataset_summary(lance.dataset(req["uri"]))


def op_compact(req):
    ds = open_dataset(req)
    metrics = ds.optimize.compact_files(**req.get("options", {}))
    return {"fragments_removed": metrics.fragments_removed, "fragments_added": metrics.fragments_added, **dataset_summary(lance.dataset(req["uri"]))}


def op_create_scalar_index(req):
    ds = open_dataset(req)
    ds.create_scalar_index(
        req["column"],
        req["index_type"],
        name=req.get("name"),
        replace=req.get("replace", True),
        **req.get("params", {}),
    )
    return op_indices({"uri": req["uri"]})


def op_create_index_uncommitted(req):
    ds = open_dataset(req)
    index = ds.create_index_uncommitted(
        req["column"],
        req["index_type"],
        name=req.get("name"),
        fragment_ids=req["fragment_ids"],
        **req.get("params", {}),
    )
    return segment_to_json(index)


def op_commit_existing_index_segments(req):
    ds = open_dataset(req)
    segments = []
    for s in req["segments"]:
        segments.append(
            Index(
                uuid=s["uuid"],
                name=req["name"],
                fields=s["fields"],
                dataset_version=s["dataset_version"],
                fragment_ids=set(s["fragment_ids"]),
                index_version=s["index_version"],
                created_at=None,
                base_id=None,
                files=[IndexFile(path=f["path"], size_bytes=f["size_bytes"]) for f in s.get("files", [])] or None,
                index_details=(s["type_url"], base64.b64decode(s.get("details") or "")) if s.get("type_url") else None,
            )
        )
    ds = ds.commit_existing_index_segments(req["name"], req["column"], segments)
    return op_indices({"uri": req["uri"]})


def op_optimize_indices(req):
    ds = open_dataset(req)
    ds.optimize.optimize_indices(**req.get("options", {}))
    return op_indices({"uri": req["uri"]})


def op_indices(req):
    ds = open_dataset(req)
    out = []
    for info in ds.list_indices():
        out.append(
            {
                "name": info["name"],
                "type": info["type"],
                "uuid": str(info["uuid"]),
                "fields": list(info["fields"]),
                "version": info["version"],
                "fragment_ids": sorted(int(x) for x in info["fragment_ids"]),
            }
        )
    return out


def scanner_args(req):
    args = {}
    for key in ("columns", "filter", "limit", "with_row_id", "with_row_address", "use_scalar_index", "prefilter", "blob_handling"):
        if req.get(key) is not None:
            args[key] = req[key]
    if req.get("full_text_query") is not None:
        args["full_text_query"] = req["full_text_query"]
    return args


def op_to_table(req):
    ds = open_dataset(req)
    table = ds.to_table(**scanner_args(req))
    write_ipc(table, req["out"])
    return {"num_rows": table.num_rows, "schema": str(table.schema)}


def op_explain(req):
    ds = open_dataset(req)
    return ds.scanner(**scanner_args(req)).explain_plan(True)


def op_take_blobs(req):
    # every blob of the selection, each read whole through take_blobs' file-like handles
    ds = open_dataset(req)
    files = ds.take_blobs(req["column"], addresses=req["addresses"])
    return [None if f is None else base64.b64encode(f.read()).decode() for f in files]


def op_read_blobs(req):
    ds = open_dataset(req)
    pairs = ds.read_blobs(req["column"], addresses=req["addresses"], preserve_order=True)
    return [[int(address), None if data is None else base64.b64encode(data).decode()] for address, data in pairs]


def op_count_rows(req):
    ds = open_dataset(req)
    return ds.count_rows(req.get("filter"))


OPS = {
    "write": op_write,
    "summary": op_summary,
    "delete": op_delete,
    "update": op_update,
    "compact": op_compact,
    "alter_columns": op_alter_columns,
    "create_scalar_index": op_create_scalar_index,
    "create_index_uncommitted": op_create_index_uncommitted,
    "commit_existing_index_segments": op_commit_existing_index_segments,
    "optimize_indices": op_optimize_indices,
    "indices": op_indices,
    "to_table": op_to_table,
    "explain": op_explain,
    "count_rows": op_count_rows,
    "take_blobs": op_take_blobs,
    "read_blobs": op_read_blobs,
    "version": lambda req: lance.__version__,
    "field_types": lambda req: {f.name: str(f.type) for f in open_dataset(req).schema},
}


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        try:
            result = OPS[req["op"]](req)
            response = {"id": req.get("id"), "ok": True, "result": result}
        except Exception as exc:  # every failure goes back to the caller as text
            response = {"id": req.get("id"), "ok": False, "error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
        sys.stdout.write(json.dumps(response, default=str) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
