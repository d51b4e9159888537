#!/usr/bin/env python3
"""Driver of bench/stats-vs-postgis (run that script, which installs and builds first).

The figures of a national store, end to end: a generated set of hazard polygons (12 to 40
vertices, 50 to 300 m, in clusters) and accidents clustered in and around them is
imported into a minemap store and loaded into a throwaway PostGIS cluster; then
`minemap stats STORE --json` (process start to exit, peak memory by /usr/bin/time) runs
against the SQL that computes the same figures in PostGIS (counts by type, year and
status, areas, accidents inside and outside hazards). Every figure is checked equal; the
times, peak memory and ratios are printed.
"""
import argparse
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MINEMAP = os.path.join(ROOT, "build/release/minemap")
PORT = "55433"
HAZARD_TYPES = ["SHA", "CHA"]
HAZARD_STATUS = ["open", "open", "open", "closed", "handed_over"]
ACCIDENT_TYPES = ["mine", "erw", "cluster", "ied", "demining", "other"]


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pgcluster import Postgis, run  # noqa: E402


def destination(lon, lat, azimuth_deg, metres):
    """A point `metres` from (lon, lat) towards azimuth, on a sphere: good enough to place
    generated data (both sides read the same coordinates)."""
    r = 6371008.8
    a = math.radians(azimuth_deg)
    dlat = metres * math.cos(a) / r
    dlon = metres * math.sin(a) / (r * math.cos(math.radians(lat)))
    return lon + math.degrees(dlon), lat + math.degrees(dlat)


def generate(d, n_hazards, n_accidents, seed):
    """hazards.geojson / accidents.geojson for minemap import, the same as CSV for COPY."""
    rnd = random.Random(seed)
    # A fictional region (134-137 E, 26-23 S); 2,000 cluster centres.
    clusters = [(134 + 3 * rnd.random(), -26 + 3 * rnd.random()) for _ in range(2000)]

    def near_cluster(sigma_m):
        c = rnd.choice(clusters)
        return destination(c[0], c[1], 360 * rnd.random(), abs(rnd.gauss(0, 1)) * sigma_m)

    centres = []
    with open(os.path.join(d, "hazards.geojson"), "w") as gj, \
            open(os.path.join(d, "hazards.csv"), "w") as csv:
        gj.write('{"type":"FeatureCollection","features":[\n')
        for i in range(n_hazards):
            cx, cy = near_cluster(3000)
            radius = 50 + 250 * rnd.random()
            centres.append((cx, cy, radius))
            n = 12 + rnd.randrange(29)
            ring = [destination(cx, cy, -360.0 * v / n, radius * (0.6 + 0.4 * rnd.random()))
                    for v in range(n)]  # counter-clockwise
            ring.append(ring[0])
            htype, status = rnd.choice(HAZARD_TYPES), rnd.choice(HAZARD_STATUS)
            coords = ",".join(f"[{x:.10f},{y:.10f}]" for x, y in ring)
            gj.write(('' if i == 0 else ',') +
                     f'{{"type":"Feature","properties":{{"name":"Synthetic {i + 1}","type":"{htype}",'
                     f'"status":"{status}"}},"geometry":{{"type":"Polygon","coordinates":[[{coords}]]}}}}\n')
            wkt = ",".join(f"{x:.10f} {y:.10f}" for x, y in ring)
            csv.write(f'{i + 1},{htype},{status},"POLYGON(({wkt}))"\n')
        gj.write("]}\n")
    with open(os.path.join(d, "accidents.geojson"), "w") as gj, \
            open(os.path.join(d, "accidents.csv"), "w") as csv:
        gj.write('{"type":"FeatureCollection","features":[\n')
        for i in range(n_accidents):
            if centres and rnd.random() < 0.7:  # in or just around a hazard
                cx, cy, radius = rnd.choice(centres)
                x, y = destination(cx, cy, 360 * rnd.random(), radius * 1.3 * math.sqrt(rnd.random()))
            else:
                x, y = near_cluster(5000)
            year = 1995 + rnd.randrange(30)
            # Most dated to the day, some to the month or the year only (old records).
            p = rnd.random()
            date = (f"{year}-{1 + rnd.randrange(12):02d}-{1 + rnd.randrange(28):02d}" if p < 0.9 else
                    f"{year}-{1 + rnd.randrange(12):02d}" if p < 0.95 else f"{year}")
            atype = rnd.choice(ACCIDENT_TYPES)
            gj.write(('' if i == 0 else ',') +
                     f'{{"type":"Feature","properties":{{"date":"{date}","type":"{atype}"}},'
                     f'"geometry":{{"type":"Point","coordinates":[{x:.10f},{y:.10f}]}}}}\n')
            csv.write(f"{i + 1},{date},{atype},{x:.10f},{y:.10f}\n")
        gj.write("]}\n")


def prepare_set(work, n_hazards, n_accidents, seed, label=""):
    """The generated set in `work` and the store imported from it (stats.gpkg), each made
    unless already there; returns the store's path."""
    store = os.path.join(work, "stats.gpkg")
    if not os.path.exists(os.path.join(work, "accidents.csv")):
        t0 = time.time()
        generate(work, n_hazards, n_accidents, seed)
        print(f"{label}generated {n_hazards} hazards, {n_accidents} accidents: "
              f"{time.time() - t0:.1f} s", flush=True)
    if not os.path.exists(store):
        t0 = time.time()
        run([MINEMAP, "init", store + ".tmp"])
        run([MINEMAP, "import", store + ".tmp", os.path.join(work, "hazards.geojson"), "--as", "hazards"])
        run([MINEMAP, "import", store + ".tmp", os.path.join(work, "accidents.geojson"), "--as", "accidents"])
        os.rename(store + ".tmp", store)
        print(f"{label}minemap import: {time.time() - t0:.1f} s", flush=True)
    return store


def load_postgis(pg, d):
    pg.psql(f"""
CREATE TABLE hazards_in (id bigint, type text, status text, wkt text);
\\copy hazards_in FROM '{d}/hazards.csv' WITH (FORMAT csv)
CREATE TABLE hazards AS SELECT id, type, status,
  ST_GeomFromText(wkt, 4326)::geometry(Polygon, 4326) AS geom FROM hazards_in;
ALTER TABLE hazards ADD PRIMARY KEY (id);
-- What minemap stores with each hazard: its geodesic area, and the area left (no release yet).
ALTER TABLE hazards ADD COLUMN area_m2 float8, ADD COLUMN remaining_m2 float8;
UPDATE hazards SET area_m2 = ST_Area(geom::geography, true), remaining_m2 = ST_Area(geom::geography, true);
CREATE INDEX hazards_geom ON hazards USING gist (geom);
DROP TABLE hazards_in;
CREATE TABLE accidents_in (id bigint, date text, type text, lon float8, lat float8);
\\copy accidents_in FROM '{d}/accidents.csv' WITH (FORMAT csv)
CREATE TABLE accidents AS SELECT id, date, type,
  ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geometry(Point, 4326) AS geom FROM accidents_in;
ALTER TABLE accidents ADD PRIMARY KEY (id);
CREATE INDEX accidents_geom ON accidents USING gist (geom);
DROP TABLE accidents_in;
VACUUM ANALYZE;
""")


# The figures of `minemap stats --json` that the set holds, one query each, every row
# "key|value" (the key as in minemap's JSON, dotted).
FIGURES_SQL = """
SELECT 'hazards.count|' || count(*) FROM hazards;
SELECT 'hazards.by_type.' || type || '|' || count(*) FROM hazards GROUP BY type;
SELECT 'hazards.by_status.' || status || '|' || count(*) FROM hazards GROUP BY status;
SELECT 'hazards.area_m2|' || sum(area_m2) || E'\\nhazards.remaining_m2|' || sum(remaining_m2) FROM hazards;
SELECT 'accidents.count|' || count(*) FROM accidents;
SELECT 'accidents.by_type.' || type || '|' || count(*) FROM accidents GROUP BY type;
SELECT 'accidents.by_year.' || y || '|' || count(*) FROM (SELECT substr(date, 1, 4) AS y FROM accidents) a GROUP BY y;
SELECT 'accidents.inside_hazards|' || count(DISTINCT a.id) FROM hazards h
  JOIN accidents a ON ST_Intersects(h.geom, a.geom);
"""
# (The join polygon by polygon: each polygon is prepared once for its points, PostGIS's
# best plan here; WHERE EXISTS per accident takes several times longer.)


def postgis_figures(out):
    figures = {}
    for line in out.splitlines():
        if "|" in line:
            k, v = line.split("|", 1)
            figures[k] = float(v)
    figures["accidents.outside_hazards"] = figures["accidents.count"] - figures["accidents.inside_hazards"]
    return figures


def flatten(j, prefix=""):
    out = {}
    for k, v in j.items():
        if isinstance(v, dict):
            out.update(flatten(v, f"{prefix}{k}."))
        elif isinstance(v, (int, float)):
            out[f"{prefix}{k}"] = float(v)
    return out


def timed_process(cmd, stdin=None):
    """Wall time (s), peak RSS (MB) and stdout of one process, start to exit."""
    r = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M"] + cmd, text=True,
                       capture_output=True, input=stdin)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd[:6])} ...\n{r.stderr.strip()}")
    m = re.search(r"TIME ([0-9.]+) ([0-9]+)", r.stderr)
    return float(m.group(1)), int(m.group(2)) / 1024, r.stdout


def compare(ours, theirs):
    """Every figure PostGIS computes must equal minemap's; counts exactly, sums of areas
    to 0.01 m² per 1,000,000 m² (two implementations of the geodesic area, summed in
    another order)."""
    bad = []
    for k, v in sorted(theirs.items()):
        o = ours.get(k)
        tol = 1e-8 * abs(v) + 0.01 if k.endswith("_m2") else 0
        if o is None or abs(o - v) > tol:
            bad.append(f"{k}: minemap {o} PostGIS {v}")
    # And minemap's non-zero figures of these entities are all in PostGIS's answer.
    for k, v in ours.items():
        if k.split(".")[0] in ("hazards", "accidents") and v != 0 and k not in theirs:
            bad.append(f"{k}: minemap {v}, not computed by PostGIS")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hazards", type=int, default=100000)
    ap.add_argument("--accidents", type=int, default=1000000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each side; the best counts")
    ap.add_argument("--work", help="work directory: reused (generated set, store) when it exists")
    ap.add_argument("--no-postgis", action="store_true", help="minemap only (profiling)")
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="minemap-stats-")
    os.makedirs(work, exist_ok=True)
    store = os.path.join(work, "stats.gpkg")
    pg = None
    try:
        prepare_set(work, args.hazards, args.accidents, args.seed)
        runs = [timed_process([MINEMAP, "stats", store, "--json"]) for _ in range(args.repeat)]
        ours_s, ours_mb, out = min(runs, key=lambda r: r[0])
        ours = flatten(json.loads(out))
        print(f"minemap stats --json: {', '.join(f'{r[0]:.2f} s' for r in runs)}; "
              f"peak {max(r[1] for r in runs):.0f} MB", flush=True)
        if args.no_postgis:
            return
        # Its best: compiling each query of a million rows (JIT) costs more than it saves.
        pg = Postgis(work, PORT, "jit = off")
        t0 = time.time()
        load_postgis(pg, work)
        print(f"PostGIS load: {time.time() - t0:.1f} s", flush=True)
        print("PostGIS plan of the join:\n" + "\n".join(
            "   " + l for l in pg.psql("EXPLAIN " + FIGURES_SQL.strip().split(";")[-2] + ";").splitlines()),
            flush=True)
        per_query = pg.psql("\\timing on\n" + FIGURES_SQL)
        times = [float(m) / 1000 for m in re.findall(r"Time: ([0-9.]+) ms", per_query)]
        print("PostGIS per query (s): " + ", ".join(f"{t:.2f}" for t in times), flush=True)
        pg_runs = [timed_process(pg.psql_cmd(), FIGURES_SQL) for _ in range(args.repeat)]
        theirs_s, theirs_mb, out = min(pg_runs, key=lambda r: r[0])
        theirs = postgis_figures(out)
        bad = compare(ours, theirs)
        print(f"\n{args.hazards} hazards, {args.accidents} accidents "
              f"({int(ours['accidents.inside_hazards'])} inside hazards)")
        print(f"{'':<34}{'wall s':>9}{'peak MB':>10}")
        print(f"{'minemap stats --json':<34}{ours_s:>9.2f}{ours_mb:>10.0f}")
        print(f"{'PostGIS (psql, same figures)':<34}{theirs_s:>9.2f}{theirs_mb:>10.0f}  (client; server not counted)")
        print(f"ratio: minemap {theirs_s / ours_s:.1f}x faster")
        print(f"figures: {len(theirs)} compared, " + ("all equal" if not bad else "DIFFER:\n  " + "\n  ".join(bad)))
        print(json.dumps({"minemap_s": ours_s, "minemap_peak_mb": ours_mb, "postgis_s": theirs_s,
                          "ratio": theirs_s / ours_s, "figures": len(theirs), "equal": not bad}))
        if bad:
            sys.exit(1)
    finally:
        if pg:
            pg.stop()
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
