#!/usr/bin/env python3
"""docs/minefield-record.schema.json against the record format: it is a valid draft
2020-12 schema, it accepts the MR-0042 example (as JSON and as converted from the CSV
template) and the variants the parser accepts, and rejects what the parser rejects.

Needs Debian's python3-jsonschema; run with the system Python (/usr/bin/python3).
MINEMAP_SOURCE_DIR: the repository (default: two levels up from here).
MINEMAP_BIN: the minemap binary; when set, the CSV template is converted with
`minemap record from-csv` and the result is checked too.
Exit 0 when every case comes out as expected, 1 otherwise.
"""
import copy
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import jsonschema

SRC = pathlib.Path(os.environ.get("MINEMAP_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
SCHEMA = json.loads((SRC / "docs" / "minefield-record.schema.json").read_text(encoding="utf-8"))
EXAMPLE = json.loads((SRC / "tests" / "data" / "records" / "mr-0042.json").read_text(encoding="utf-8"))

jsonschema.Draft202012Validator.check_schema(SCHEMA)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def variant(change):
    """A copy of the example with `change` applied to it."""
    record = copy.deepcopy(EXAMPLE)
    change(record)
    return record


def put(path, value):
    """A change setting the value at `path` (keys and indexes); None deletes it."""
    def change(record):
        node = record
        for step in path[:-1]:
            node = node[step]
        if value is None:
            del node[path[-1]]
        else:
            node[path[-1]] = value
    return change


VALID = {
    "the MR-0042 example": EXAMPLE,
    "extra keys are kept": variant(lambda r: r.update({"sheet": "4 of 7", "notes": {"a": 1}})),
    "a row starting at a point": variant(put(["rows", 0, "start"], "T1")),
    "a row start with further legs": variant(
        put(["rows", 0, "start", "then"], [{"bearing": 10, "distance": 2}, {"bearing": 20.5, "distance": 0}])),
    "a date laid as a year": variant(put(["laid"], "1994")),
    "a date laid as a month": variant(put(["laid"], "1994-05")),
    "no rows": variant(put(["rows"], None)),
    "no kind": variant(put(["points", 1, "kind"], None)),
    "paces in mil6000": variant(lambda r: r.update({"distance_unit": "pace", "pace_m": 0.8, "angle_unit": "mil6000"})),
    "a stagger of 0": variant(put(["rows", 1, "stagger"], 0)),
}

INVALID = {
    "a negative distance": variant(put(["points", 1, "distance"], -85)),
    "a negative bearing": variant(put(["points", 1, "bearing"], -1)),
    "an unknown angle_unit": variant(put(["angle_unit"], "grad")),
    "an unknown distance_unit": variant(put(["distance_unit"], "ft")),
    "an unknown bearing_ref": variant(put(["bearing_ref"], "compass")),
    "an unknown point kind": variant(put(["points", 1, "kind"], "tree")),
    "a point with both a leg and coordinates": variant(lambda r: r["points"][1].update({"x": 47.0, "y": 39.0})),
    "a point with neither a leg nor coordinates": variant(
        lambda r: [r["points"][1].pop(k) for k in ("from", "bearing", "distance")]),
    "a point with half a leg": variant(put(["points", 1, "distance"], None)),
    "a point with only x": variant(put(["points", 0, "y"], None)),
    "a first point reached by a leg": variant(lambda r: r["points"].pop(0)),
    "a leg of a point continuing with then": variant(put(["points", 1, "then"], [{"bearing": 1, "distance": 1}])),
    "a closure continuing with then": variant(put(["closure", "then"], [{"bearing": 1, "distance": 1}])),
    "a further leg without distance": variant(put(["rows", 0, "start", "then"], [{"bearing": 10}])),
    "a count of 0": variant(put(["rows", 0, "mines", 0, "count"], 0)),
    "a count of 2.5": variant(put(["rows", 0, "mines", 0, "count"], 2.5)),
    "a spacing of 0": variant(put(["rows", 0, "spacing"], 0)),
    "an unknown mine category": variant(put(["rows", 0, "mines", 0, "category"], "MINE")),
    "an unknown declared category": variant(put(["declared", "MINES"], 3)),
    "a negative declared total": variant(put(["declared", "AP_MINE"], -1)),
    "a staggered row without stagger": variant(put(["rows", 1, "stagger"], None)),
    "an unknown pattern": variant(put(["rows", 0, "pattern"], "double")),
    "a row without mines": variant(put(["rows", 0, "mines"], [])),
    "a row start that is a number": variant(put(["rows", 0, "start"], 3)),
    "a bad date laid": variant(put(["laid"], "1994-13-01")),
    "a date laid with a time": variant(put(["laid"], "1994-05-10T10:00")),
    "a bad date received": variant(put(["source", "received"], "12/06/2021")),
    "another format": variant(put(["format"], "minemap-record/2")),
    "no id": variant(put(["id"], None)),
    "no points": variant(put(["points"], [])),
    "a perimeter of 2 points": variant(put(["perimeter"], ["T1", "T2"])),
    "a perimeter point twice": variant(put(["perimeter"], ["T1", "T2", "T3", "T1"])),
    "a distance given as text": variant(put(["points", 1, "distance"], "85")),
    "a pace of 3 m": variant(put(["pace_m"], 3)),
    "a declination of 200": variant(put(["declination_deg"], 200)),
}


def converted_template():
    """The CSV template converted by `minemap record from-csv`, or None without MINEMAP_BIN."""
    binary = os.environ.get("MINEMAP_BIN")
    if not binary:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "record.json"
        subprocess.run([binary, "record", "from-csv", str(SRC / "docs" / "minefield-record-template.csv"),
                        "-o", str(out)], check=True)
        return json.loads(out.read_text(encoding="utf-8"))


def main():
    failures = 0
    converted = converted_template()
    if converted is None:
        if os.environ.get("CI") == "true":
            print("FAIL: the CSV template: MINEMAP_BIN is not set (a check may not skip under CI=true)")
            failures += 1
        else:
            print("skip: the CSV template (MINEMAP_BIN is not set)")
    else:
        VALID["the CSV template, converted"] = converted
    for name, record in VALID.items():
        errors = [e.message for e in VALIDATOR.iter_errors(record)]
        if errors:
            failures += 1
            print(f"FAIL: {name}: rejected: {errors[0]}")
        else:
            print(f"ok: {name}: accepted")
    for name, record in INVALID.items():
        if VALIDATOR.is_valid(record):
            failures += 1
            print(f"FAIL: {name}: accepted")
        else:
            print(f"ok: {name}: rejected")
    print(f"{len(VALID) + len(INVALID) - failures} of {len(VALID) + len(INVALID)} as expected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
