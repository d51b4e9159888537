#!/usr/bin/env python3
"""Driver of bench/compare-postgis (run that script, which installs and builds first).

Loads the same data into a minemap store and into a throwaway PostGIS cluster, runs the
same queries on both, checks the answers are identical and prints the timings and ratios.
PostGIS gets its best plans: GiST indexes on geometry (containment) and geography
(distances), ANALYZE, parallel workers; EXPLAIN of each query is printed.
"""
import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MINEMAP = os.path.join(ROOT, "build/release/minemap")
TOOL = os.path.join(ROOT, "build/release/bench/minemap-spatial-compare")
COLOMBIA = os.path.join(ROOT, "..", "shared", "data", "colombia-mine-events")
PORT = "55432"


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pgcluster import Postgis, run  # noqa: E402


def load_postgis(pg, work, has_polygons, has_finds):
    t = {}
    pg.sql("CREATE TABLE pts (id bigint PRIMARY KEY, lon float8, lat float8)")
    pg.psql(f"\\copy pts FROM '{work}/points.csv' WITH (FORMAT csv)\n")
    pg.sql("ALTER TABLE pts ADD COLUMN geom geometry(Point, 4326), ADD COLUMN geog geography(Point, 4326)")
    pg.sql("UPDATE pts SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4326), geog = ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography")
    pg.sql("VACUUM FULL pts")
    t["gist_points_geog_s"], _ = pg.timed("CREATE INDEX pts_geog ON pts USING gist (geog)", 1)
    t["gist_points_geom_s"], _ = pg.timed("CREATE INDEX pts_geom ON pts USING gist (geom)", 1)
    if has_polygons:
        pg.sql("CREATE TABLE polys_in (id bigint, wkt text)")
        pg.psql(f"\\copy polys_in FROM '{work}/polygons.csv' WITH (FORMAT csv)\n")
        pg.sql("CREATE TABLE polys AS SELECT id, ST_GeomFromText(wkt, 4326)::geometry(Polygon, 4326) AS geom, "
               "ST_GeomFromText(wkt, 4326)::geography(Polygon, 4326) AS geog FROM polys_in")
        pg.sql("ALTER TABLE polys ADD PRIMARY KEY (id)")
        t["gist_polygons_geom_s"], _ = pg.timed("CREATE INDEX polys_geom ON polys USING gist (geom)", 1)
        t["gist_polygons_geog_s"], _ = pg.timed("CREATE INDEX polys_geog ON polys USING gist (geog)", 1)
    pg.sql("CREATE TABLE q (id bigint PRIMARY KEY, lon float8, lat float8)")
    pg.psql(f"\\copy q FROM '{work}/queries.csv' WITH (FORMAT csv)\n")
    pg.sql("ALTER TABLE q ADD COLUMN geog geography(Point, 4326)")
    pg.sql("UPDATE q SET geog = ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography")
    if has_finds:
        pg.sql("CREATE TABLE finds (id bigint PRIMARY KEY, lon float8, lat float8)")
        pg.psql(f"\\copy finds FROM '{work}/finds.csv' WITH (FORMAT csv)\n")
        pg.sql("ALTER TABLE finds ADD COLUMN geog geography(Point, 4326)")
        pg.sql("UPDATE finds SET geog = ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography")
    pg.sql("VACUUM ANALYZE")
    return t


KNN = ("SELECT q.id, n.id, n.r, n.d FROM q "
       "CROSS JOIN LATERAL (SELECT max(s.d) AS dk FROM (SELECT p.geog <-> q.geog AS d FROM pts p "
       "ORDER BY p.geog <-> q.geog LIMIT {k}) s) b "
       "CROSS JOIN LATERAL (SELECT c.id, c.d, row_number() OVER (ORDER BY c.d, c.id) AS r FROM "
       "(SELECT p.id, ST_Distance(p.geog, q.geog) AS d FROM pts p "
       "WHERE ST_DWithin(p.geog, q.geog, b.dk * 1.02 + 0.001, false)) c ORDER BY c.d, c.id LIMIT {k}) n")

QUERIES = {
    "pip_join": ("SELECT p.id, g.id FROM pts p JOIN polys g ON ST_Intersects(g.geom, p.geom)", "pip.csv"),
    "within500_polygons": ("SELECT q.id, g.id FROM q JOIN polys g ON ST_DWithin(g.geog, q.geog, 500)",
                           "within_polygons.csv"),
    "within500_points": ("SELECT q.id, p.id FROM q JOIN pts p ON ST_DWithin(p.geog, q.geog, 500)",
                         "within_points.csv"),
    # geography <-> orders by the distance on a sphere (PostGIS docs), which differs from
    # the spheroid's by up to about 0.5 %: take the k-th sphere distance dk through the
    # index, then every point within 1.02 dk on the sphere (ST_DWithin, index again) holds
    # the true k nearest; rank those by the spheroid distance (GeographicLib's, in PostGIS).
    "knn1": (KNN.format(k=1), "knn1.csv"),
    "knn10": (KNN.format(k=10), "knn10.csv"),
    "join10": ("SELECT f.id, p.id FROM finds f JOIN pts p ON ST_DWithin(p.geog, f.geog, 10)", "join10.csv"),
}


def read_pairs(path, cols=2):
    with open(path) as f:
        return sorted(tuple(int(x) for x in row[:cols]) for row in csv.reader(f) if row)


def compare_knn(ours_path, theirs_path):
    """Same ids per query and rank, except where two neighbours are equally far (ties may
    come in any order at the k-th place): then the distances must agree."""
    def load(path):
        d = defaultdict(list)
        with open(path) as f:
            for row in csv.reader(f):
                d[int(row[0])].append((int(row[2]), int(row[1]), float(row[3])))
        return {k: sorted(v) for k, v in d.items()}
    a, b = load(ours_path), load(theirs_path)
    if a.keys() != b.keys():
        return False, "different queries answered"
    ties = 0
    for q in a:
        if len(a[q]) != len(b[q]):
            return False, f"query {q}: {len(a[q])} vs {len(b[q])} neighbours"
        for (ra, ia, da), (rb, ib, db) in zip(a[q], b[q]):
            if abs(da - db) > 1e-6:
                return False, f"query {q} rank {ra}: distance {da} vs {db}"
            if ia != ib:
                ties += 1
    return True, f"{ties} equal-distance swaps" if ties else "identical"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1000000)
    ap.add_argument("--polygons", type=int, default=100000)
    ap.add_argument("--queries", type=int, default=10000)
    ap.add_argument("--finds", type=int, default=100000)
    ap.add_argument("--skip-colombia", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="minemap-postgis-")
    pg = None
    failures = 0
    try:
        pg = Postgis(work, PORT)
        sets = [("synthetic", os.path.join(work, "synthetic"))]
        if not args.skip_colombia and os.path.isdir(COLOMBIA):
            sets.append(("colombia", os.path.join(work, "colombia")))
        for name, d in sets:
            os.makedirs(d)
            os.chmod(d, 0o755)
            print(f"\n== {name} ==", flush=True)
            if name == "synthetic":
                run([TOOL, "generate", d, "--points", str(args.points), "--polygons", str(args.polygons),
                     "--queries", str(args.queries), "--finds", str(args.finds)])
                has_polygons = args.polygons > 0
            else:
                prepare_colombia(d, args.queries)
                has_polygons = False
            failures += compare(pg, d, name, has_polygons)
            pg.sql("DROP TABLE IF EXISTS pts, polys, polys_in, q, finds")
    finally:
        if pg:
            pg.stop()
        if args.keep:
            print("work directory kept:", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failures else 0)


def prepare_colombia(d, nqueries):
    """Every mine event of the 30 files as a point; queries and finds drawn from them."""
    import random
    rnd = random.Random(7)
    pts = []
    for fn in sorted(os.listdir(COLOMBIA)):
        if not fn.endswith((".geojson", ".json")):
            continue
        with open(os.path.join(COLOMBIA, fn)) as f:
            fc = json.load(f)
        for feat in fc["features"]:
            g = feat.get("geometry")
            if g and g.get("type") == "Point" and g.get("coordinates"):
                x, y = g["coordinates"][:2]
                pts.append((x, y))
    with open(os.path.join(d, "points.csv"), "w") as f, open(os.path.join(d, "points.geojson"), "w") as gj:
        gj.write('{"type":"FeatureCollection","features":[\n')
        for i, (x, y) in enumerate(pts):
            f.write(f"{i + 1},{x:.10f},{y:.10f}\n")
            gj.write(('' if i == 0 else ',') + '{"type":"Feature","properties":{"category":"AP_MINE"},'
                     f'"geometry":{{"type":"Point","coordinates":[{x:.10f},{y:.10f}]}}}}\n')
        gj.write("]}\n")
    with open(os.path.join(d, "queries.csv"), "w") as f:
        for i in range(nqueries):
            x, y = pts[rnd.randrange(len(pts))]
            f.write(f"{i + 1},{x + rnd.uniform(-0.02, 0.02):.10f},{y + rnd.uniform(-0.02, 0.02):.10f}\n")
    with open(os.path.join(d, "finds.csv"), "w") as f:
        for i in range(min(len(pts), 20000)):
            x, y = pts[rnd.randrange(len(pts))]
            f.write(f"{i + 1},{x + rnd.gauss(0, 0.00005):.10f},{y + rnd.gauss(0, 0.00005):.10f}\n")


def compare(pg, d, name, has_polygons):
    store = os.path.join(d, "minemap.gpkg")
    run([MINEMAP, "init", store])
    t0 = time.time()
    if has_polygons:
        run([MINEMAP, "import", store, os.path.join(d, "polygons.geojson"), "--as", "hazards",
             "--set", "type=CHA", "--set", "status=open"])
    run([MINEMAP, "import", store, os.path.join(d, "points.geojson"), "--as", "items"])
    print(f"minemap import: {time.time() - t0:.1f} s", flush=True)
    out = os.path.join(d, "ours")
    os.makedirs(out)
    cmd = ["/usr/bin/time", "-f", "%M", "-o", os.path.join(d, "rss"), TOOL, "run", store, "--points", "items",
           "--queries", os.path.join(d, "queries.csv"), "--finds", os.path.join(d, "finds.csv"), "--out", out]
    if has_polygons:
        cmd += ["--polygons", "hazards"]
    ours = json.loads(run(cmd).stdout)
    ours["process_peak_rss_mb"] = int(open(os.path.join(d, "rss")).read().split()[-1]) / 1024
    t0 = time.time()
    theirs = load_postgis(pg, d, has_polygons, True)
    print(f"PostGIS load: {time.time() - t0:.1f} s", flush=True)
    theirs_dir = os.path.join(d, "theirs")
    os.makedirs(theirs_dir)
    os.chmod(theirs_dir, 0o777)
    failures = 0
    rows = []
    for key, (sql, fname) in QUERIES.items():
        if key in ("pip_join", "within500_polygons") and not has_polygons:
            continue
        plan = pg.explain(f"SELECT count(*) FROM ({sql}) s")
        print(f"\n-- {key}: PostGIS plan\n" + "\n".join("   " + l for l in plan.splitlines()[:12]), flush=True)
        secs, count = pg.timed(f"SELECT count(*) FROM ({sql}) s")
        order = "ORDER BY 1, 3" if key.startswith("knn") else "ORDER BY 1, 2"
        pg.psql(f"\\copy ({sql} {order}) TO '{theirs_dir}/{fname}' WITH (FORMAT csv)\n")
        ok, detail = check(key, os.path.join(out, fname), os.path.join(theirs_dir, fname))
        failures += not ok
        ours_s = ours[f"{key}_s"]
        rows.append((key, ours_s, secs, int(count), ok, detail))
    build_ours = ours["build_points_s"] + ours.get("build_polygons_s", 0)
    build_theirs = theirs["gist_points_geog_s"] + theirs.get("gist_polygons_geom_s", 0)
    print(f"\n{name}: {ours['points']} points, {ours.get('polygons', 0)} polygons; "
          f"minemap index {ours['index_mb']:.0f} MB; process RSS {ours['held_rss_mb']:.0f} MB once built, "
          f"peak {ours['process_peak_rss_mb']:.0f} MB while reading and building")
    print(f"{'query':<22}{'minemap s':>11}{'PostGIS s':>11}{'ratio':>9}{'rows':>10}  answers")
    print(f"{'index build':<22}{build_ours:>11.3f}{build_theirs:>11.3f}{build_theirs / build_ours:>8.1f}x"
          f"{'':>10}  (PostGIS: one GiST per table, the cheaper kind)")
    for key, o, t, n, ok, detail in rows:
        print(f"{key:<22}{o:>11.4f}{t:>11.3f}{t / o:>8.1f}x{n:>10}  {'match' if ok else 'DIFFER'}: {detail}")
    print(json.dumps({"set": name, "minemap": ours, "postgis": theirs,
                      "queries": {k: {"minemap_s": o, "postgis_s": t, "ratio": t / o, "rows": n, "match": ok}
                                  for k, o, t, n, ok, _ in rows}}))
    return failures


def check(key, ours, theirs):
    if key.startswith("knn"):
        return compare_knn(ours, theirs)
    a, b = read_pairs(ours), read_pairs(theirs)
    if a == b:
        return True, f"{len(a)} pairs identical"
    sa, sb = set(a), set(b)
    return False, f"{len(sa - sb)} only in minemap, {len(sb - sa)} only in PostGIS (e.g. {sorted(sa ^ sb)[:3]})"


if __name__ == "__main__":
    main()
