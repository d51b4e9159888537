#!/usr/bin/env python3
"""Driver of bench/tiles-vs-postgis (run that script, which installs and builds first).

Vector tiles of `minemap serve` side by side with PostGIS's ST_AsMVT, in two sections:

mix       N item points (default 1,000,000) imported into a store and copied into a
          throwaway PostGIS cluster; the same random mix of 2,000 tiles (zooms 8 to 16
          over the data) asked of `minemap serve` with wrk and of ST_AsMVT with pgbench,
          for the same time and number of connections: requests/s, p50 and p99.
national  the national set of bench/stats-vs-postgis (100,000 hazard polygons,
          1,000,000 accidents; stats_vs_postgis.generate()) imported with `minemap
          import` and loaded into PostGIS; per zoom 0 to 16, the tiles over the dense
          region (lon 134 to 137, lat -26 to -23: every tile touching it while they are at
          most --all-max, else --sample tiles at the positions of random accidents):
          each fetched plain and with gzip (size max/p95, the 500,000-byte limit), the
          accidents' point_count in each tile against the accidents inside it (from the
          CSV), p50/p99 under wrk plain and gzip, and ST_AsMVT's size and p50/p99
          (pgbench) for the same tiles, each PostGIS zoom capped in time; the server's
          memory after its first tile snapshot and at its peak (/usr/bin/time).
"""
import argparse
import gzip
import http.client
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pgcluster import Postgis, run  # noqa: E402
from stats_vs_postgis import MINEMAP, load_postgis, prepare_set  # noqa: E402

MINEMAP = os.environ.get("MINEMAP_BIN") or MINEMAP  # an executable already built

PORT = "55434"
REGION = (134.0, -26.0, 137.0, -23.0)  # the dense region of the national set
EXTENT = 4096
LIMIT_BYTES = 500000  # serve's default --tile-max-bytes (docs/tiles.md)


# --- Web Mercator tiles -------------------------------------------------------------

def merc(lon, lat):
    """(x, y) of a position in [0, 1) of the world, y down (the XYZ scheme)."""
    lat = max(-85.0511287798, min(85.0511287798, lat))
    return (lon + 180.0) / 360.0, (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0


def tile_of(lon, lat, z):
    x, y = merc(lon, lat)
    n = 1 << z
    return min(n - 1, int(x * n)), min(n - 1, int(y * n))


def region_tiles(z):
    x0, y0 = tile_of(REGION[0], REGION[3], z)
    x1, y1 = tile_of(REGION[2], REGION[1], z)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def read_accidents(work):
    """The accidents' positions from accidents.csv (id,date,type,lon,lat), as
    fractions of the world."""
    xs, ys = [], []
    with open(os.path.join(work, "accidents.csv")) as f:
        for line in f:
            p = line.rstrip("\n").split(",")
            x, y = merc(float(p[-2]), float(p[-1]))
            xs.append(x)
            ys.append(y)
    return xs, ys


def choose_tiles(z, xs, ys, all_max, sample, rnd):
    every = region_tiles(z)
    if len(every) <= all_max:
        return every
    inside = set(every)
    chosen = []
    for _ in range(100 * sample):
        i = rnd.randrange(len(xs))
        n = 1 << z
        t = (z, int(xs[i] * n), int(ys[i] * n))
        if t in inside and t not in chosen:
            chosen.append(t)
            if len(chosen) == sample:
                break
    return chosen


def counts_in_tiles(z, tiles, xs, ys):
    """How many accidents lie in each tile, two ways: {(x, y): (by exact position, by
    position rounded to tile units)}. A tile drawn as it is places each point at its
    position rounded to whole units (half to even, as PostGIS; docs/api.md), so a point
    within half a unit of its east or south edge is drawn at 4096, on the edge of the next
    tile: the rounded count is that tile's. A generalised tile places a cluster where its
    points are on average: the exact count is its reference (at zoom 3, the half unit
    along lon 135 holds about 1,900 of the accidents)."""
    exact = {(x, y): 0 for (_, x, y) in tiles}
    rounded = dict(exact)
    n = 1 << z
    scale = EXTENT << z
    for x, y in zip(xs, ys):
        k = (int(x * n), int(y * n))
        if k in exact:
            exact[k] += 1
        k = (round(x * scale) >> 12, round(y * scale) >> 12)
        if k in rounded:
            rounded[k] += 1
    return {k: (exact[k], rounded[k]) for k in exact}


# --- MVT: the few fields the checks need (Mapbox Vector Tile 2.1) --------------------

def varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        if c < 0x80:
            return r, i
        s += 7


def fields(b, i, end):
    """(field, wire type, value or (start, end)) of a protocol buffers message."""
    while i < end:
        key, i = varint(b, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
            yield f, wt, v
        elif wt == 2:
            n, i = varint(b, i)
            yield f, wt, (i, i + n)
            i += n
        elif wt == 1:
            yield f, wt, (i, i + 8)
            i += 8
        elif wt == 5:
            yield f, wt, (i, i + 4)
            i += 4
        else:
            raise ValueError(f"wire type {wt}")


def packed(b, s, e):
    out = []
    while s < e:
        v, s = varint(b, s)
        out.append(v)
    return out


def unzigzag(v):
    return (v >> 1) ^ -(v & 1)


def value_int(b, s, e):
    """A Value's integer (uint, int or sint), else None."""
    for f, wt, v in fields(b, s, e):
        if f in (4, 5) and wt == 0:
            return v if f == 5 or v < 1 << 63 else v - (1 << 64)
        if f == 6 and wt == 0:
            return unzigzag(v)
    return None


def decode_layers(b):
    """{layer name: (features, point_count sum over features inside the extent,
    clusters)} of a tile; a feature without point_count counts 1."""
    out = {}
    for f, wt, v in fields(b, 0, len(b)):
        if f != 3 or wt != 2:
            continue
        name, keys, values, feats, extent = "", [], [], [], EXTENT
        for lf, lwt, lv in fields(b, *v):
            if lf == 1:
                name = b[lv[0]:lv[1]].decode()
            elif lf == 2:
                feats.append(lv)
            elif lf == 3:
                keys.append(b[lv[0]:lv[1]].decode())
            elif lf == 4:
                values.append(lv)
            elif lf == 5:
                extent = lv
        pc_key = keys.index("point_count") if "point_count" in keys else -1
        pc_values = {}
        total = clusters = 0
        for fs, fe in feats:
            tags, geom = [], []
            for ff, fwt, fv in fields(b, fs, fe):
                if ff == 2:
                    tags = packed(b, *fv)
                elif ff == 4:
                    geom = packed(b, *fv)
            if len(geom) < 3 or geom[0] & 7 != 1:
                continue  # not starting with MoveTo: no position to place it by
            x, y = unzigzag(geom[1]), unzigzag(geom[2])
            count = 1
            for k in range(0, len(tags) - 1, 2):
                if tags[k] == pc_key:
                    vi = tags[k + 1]
                    if vi not in pc_values:
                        pc_values[vi] = value_int(b, *values[vi])
                    count = pc_values[vi]
                    clusters += 1
            if 0 <= x < extent and 0 <= y < extent:
                total += count
        out[name] = (len(feats), total, clusters)
    return out


# --- minemap serve --------------------------------------------------------------------

class Server:
    """`minemap serve` under /usr/bin/time (its peak RSS when it exits)."""

    def __init__(self, store, log):
        self.log_path = log
        self.proc = subprocess.Popen(["/usr/bin/time", "-f", "PEAK_KB %M", MINEMAP, "serve", store,
                                      "--port", "0"], stdout=open(log, "w"), stderr=subprocess.STDOUT)
        self.url = None
        for _ in range(1200):
            m = re.search(r"http://127\.0\.0\.1:([0-9]+)/", open(log).read())
            if m:
                self.port = int(m.group(1))
                self.url = f"http://127.0.0.1:{self.port}"
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        if not self.url:
            self.proc.kill()
            sys.exit("minemap serve did not start:\n" + open(log).read())
        children = open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read().split()
        self.pid = int(children[0])
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def rss_mb(self):
        """(current, peak so far) resident memory in MB."""
        s = open(f"/proc/{self.pid}/status").read()
        return tuple(int(re.search(rf"{k}:\s+([0-9]+) kB", s).group(1)) / 1024 for k in ("VmRSS", "VmHWM"))

    def get(self, path, gz=False):
        """(status, body, Content-Encoding, seconds) of one GET on a kept-alive connection."""
        t0 = time.perf_counter()
        self.conn.request("GET", path, headers={"Accept-Encoding": "gzip"} if gz else {})
        r = self.conn.getresponse()
        body = r.read()
        return r.status, body, r.getheader("Content-Encoding"), time.perf_counter() - t0

    def stop(self):
        """Stops it with SIGINT; its peak RSS in MB."""
        self.conn.close()
        os.kill(self.pid, signal.SIGINT)
        self.proc.wait(timeout=120)
        m = re.findall(r"PEAK_KB ([0-9]+)", open(self.log_path).read())
        return int(m[-1]) / 1024 if m else float("nan")


def wrk(url, paths, seconds, connections, gz, script):
    """(requests, p50 ms, p99 ms, non-2xx + socket errors) of wrk over `paths` in turn."""
    with open(script, "w") as f:
        f.write("local t = {" + ",".join(f'"{p}"' for p in paths) + "}\n")
        f.write("local h = " + ('{["Accept-Encoding"] = "gzip"}' if gz else "{}") + "\n")
        f.write("local i = 0\n"
                "init = function(args) i = math.random(#t) - 1 end\n"
                "request = function() i = i % #t + 1 return wrk.format('GET', t[i], h) end\n"
                "done = function(s, latency, requests)\n"
                "  local e = s.errors\n"
                "  io.write(string.format('RESULT %d %.3f %.3f %d\\n', s.requests,"
                " latency:percentile(50) / 1000, latency:percentile(99) / 1000,"
                " e.status + e.connect + e.read + e.write + e.timeout))\n"
                "end\n")
    out = run(["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
               "-s", script, url]).stdout
    m = re.search(r"RESULT ([0-9]+) ([0-9.]+) ([0-9.]+) ([0-9]+)", out)
    return int(m.group(1)), float(m.group(2)), float(m.group(3)), int(m.group(4))


def pgbench(pg, script, seconds, connections, log_dir):
    """(transactions, p50 ms, p99 ms) of pgbench running `script` for `seconds`."""
    shutil.rmtree(log_dir, ignore_errors=True)
    os.makedirs(log_dir)
    run(["pgbench", "-h", pg.sock, "-p", pg.port, "-U", "postgres", "-n", "-M", "prepared",
         f"-c{connections}", f"-j{min(2, connections)}", "-T", str(seconds), "-f", script, "--log",
         f"--log-prefix={log_dir}/pgb", "postgres"])
    lat = []
    for name in os.listdir(log_dir):
        with open(os.path.join(log_dir, name)) as f:
            lat += [int(line.split()[2]) / 1000 for line in f if line.strip()]
    lat.sort()
    return len(lat), percentile(lat, 50), percentile(lat, 99)


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p / 100))]


# --- mix: the earlier measurement (items, zooms 8 to 16) ------------------------------

def mix_section(args, scratch, pg):
    n = args.n
    items = os.path.join(scratch, "items.geojson")
    store = os.path.join(scratch, "items.gpkg")
    print(f"mix: generating and importing {n} item points ...", flush=True)
    t0 = time.time()
    rnd = random.Random(7)
    cats = ["AP_MINE"] * 6 + ["AT_MINE", "UXO", "SUBMUNITION"]
    with open(items, "w") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        for i in range(n):
            x = 46.5 + rnd.random() * 1.5
            y = 39.2 + rnd.random() * 1.0
            f.write('%s{"type":"Feature","properties":{"category":"%s","quantity":1,"found":"2021-%02d"},'
                    '"geometry":{"type":"Point","coordinates":[%.7f,%.7f]}}\n'
                    % ("," if i else "", cats[rnd.randrange(len(cats))], 1 + rnd.randrange(12), x, y))
        f.write("]}\n")
    run([MINEMAP, "init", store])
    run([MINEMAP, "import", store, items, "--as", "items"])
    import_s = time.time() - t0

    print("mix: loading PostGIS ...", flush=True)
    run(["ogr2ogr", "-f", "PostgreSQL", f"PG:host={pg.sock} port={pg.port} user=postgres dbname=postgres",
         store, "items", "-nln", "items", "-lco", "GEOMETRY_NAME=geom", "-lco", "FID=fid",
         "-lco", "SPATIAL_INDEX=GIST", "-preserve_fid", "-where", "workflow = 'approved' AND deleted = 0"])
    # As minemap keeps its points in Web Mercator metres, PostGIS gets them projected
    # once too (the usual setup of a PostGIS tile server), with a GiST index of its own.
    pg.psql("ALTER TABLE items ADD COLUMN geom3857 geometry(Point, 3857);\n"
            "UPDATE items SET geom3857 = ST_Transform(geom, 3857);\n"
            "CREATE INDEX items_geom3857 ON items USING gist (geom3857);\n"
            "VACUUM ANALYZE items;\n")

    server = Server(store, os.path.join(scratch, "serve-mix.log"))
    try:
        # The first request (TileJSON) reads the store into minemap's tile snapshot.
        status, body, _, first_s = server.get("/tiles.json")
        # The attributes minemap puts in the items layer, asked of PostGIS too: the same
        # keys and values (nulls are left out by both), and the same feature ids.
        layer = [la for la in json.loads(body)["vector_layers"] if la["id"] == "items"][0]
        columns = ", ".join('"%s"' % f for f in layer["fields"])
        rnd = random.Random(11)
        tiles = []
        for _ in range(2000):
            z = rnd.randrange(8, 17)
            tiles.append((z,) + tile_of(46.5 + rnd.random() * 1.5, 39.2 + rnd.random() * 1.0, z))
        with open(os.path.join(scratch, "mix.sql"), "w") as f:
            f.write("\\set k random(0, %d)\n" % (len(tiles) - 1))
            f.write("SELECT ST_AsMVT(q, 'items', 4096, 'geom', 'fid') FROM (SELECT fid, " + columns + ", "
                    "ST_AsMVTGeom(geom3857, ST_TileEnvelope(t.z, t.x, t.y), 4096, 64, true) AS geom "
                    "FROM items, (SELECT z, x, y FROM mix_tiles WHERE k = :k) t WHERE geom3857 && "
                    "ST_TileEnvelope(t.z, t.x, t.y, margin => 64.0 / 4096)) q;\n")
        with open(os.path.join(scratch, "mix.csv"), "w") as f:
            for k, (z, x, y) in enumerate(tiles):
                f.write(f"{k},{z},{x},{y}\n")
        pg.psql("CREATE TABLE mix_tiles (k int PRIMARY KEY, z int, x int, y int);\n"
                f"\\copy mix_tiles FROM '{scratch}/mix.csv' CSV\n")
        paths = ["/tiles/%d/%d/%d.mvt" % t for t in tiles]
        lua = os.path.join(scratch, "mix.lua")
        sql = os.path.join(scratch, "mix.sql")
        c, s = args.connections, args.seconds_mix
        # Both sides warmed up with the same mix (caches, shared buffers), then measured.
        wrk(server.url, paths, 5, c, False, lua)
        pgbench(pg, sql, 5, c, os.path.join(scratch, "pgb-mix"))
        ours = wrk(server.url, paths, s, c, False, lua)
        theirs = pgbench(pg, sql, s, c, os.path.join(scratch, "pgb-mix"))
    finally:
        server.stop()
    ours_rps, theirs_rps = ours[0] / s, theirs[0] / s
    print(f"\nmix: import {import_s:.1f} s; first request (reads the tile snapshot) {first_s:.2f} s")
    print(f"mix: {s} s each, {c} connections, 2,000 tiles of zooms 8-16 over {n} items")
    print(f"{'':<26} {'req/s':>10} {'p50 ms':>10} {'p99 ms':>10}")
    print(f"{'minemap serve (HTTP, wrk)':<26} {ours_rps:>10.1f} {ours[1]:>10.2f} {ours[2]:>10.2f}"
          + (f"  ({ours[3]} errors)" if ours[3] else ""))
    print(f"{'PostGIS ST_AsMVT (pgbench)':<26} {theirs_rps:>10.1f} {theirs[1]:>10.2f} {theirs[2]:>10.2f}")
    print(f"requests/s: minemap / PostGIS = {ours_rps / theirs_rps:.2f}\n", flush=True)
    return {"items": n, "seconds": s, "connections": c, "minemap_rps": ours_rps, "minemap_p50_ms": ours[1],
            "minemap_p99_ms": ours[2], "minemap_errors": ours[3], "postgis_rps": theirs_rps,
            "postgis_p50_ms": theirs[1], "postgis_p99_ms": theirs[2]}


# --- national: the dense region at every zoom -----------------------------------------

# One tile of both layers, as a tile server on PostGIS makes it: the hazards' and the
# accidents' columns that PostGIS holds, clipped to the tile grown by 64 units, as minemap
# does (docs/api.md). `length()` for the size pass, the bytes themselves under pgbench.
TILE_SQL = (
    "SELECT {wrap}(coalesce((SELECT ST_AsMVT(q, 'hazards', 4096, 'geom', 'id') FROM "
    "(SELECT id, type, status, area_m2, remaining_m2, "
    "ST_AsMVTGeom(h.geom3857, t.env, 4096, 64, true) AS geom FROM hazards h "
    "WHERE h.geom3857 && t.envm) q), ''::bytea) || "
    "coalesce((SELECT ST_AsMVT(q, 'accidents', 4096, 'geom', 'id') FROM "
    "(SELECT id, date, type, ST_AsMVTGeom(a.geom3857, t.env, 4096, 64, true) AS geom FROM accidents a "
    "WHERE a.geom3857 && t.envm) q), ''::bytea)) "
    "FROM (SELECT ST_TileEnvelope(z, x, y) AS env, ST_TileEnvelope(z, x, y, margin => 64.0 / 4096) AS envm "
    "FROM {where}) t")


def load_national_postgis(pg, work):
    load_postgis(pg, work)
    # As minemap keeps its positions in Web Mercator metres, PostGIS gets them projected
    # once too (the usual setup of a PostGIS tile server), with GiST indexes of their own.
    pg.psql("""
ALTER TABLE hazards ADD COLUMN geom3857 geometry(Polygon, 3857);
UPDATE hazards SET geom3857 = ST_Transform(geom, 3857);
CREATE INDEX hazards_geom3857 ON hazards USING gist (geom3857);
ALTER TABLE accidents ADD COLUMN geom3857 geometry(Point, 3857);
UPDATE accidents SET geom3857 = ST_Transform(geom, 3857);
CREATE INDEX accidents_geom3857 ON accidents USING gist (geom3857);
VACUUM ANALYZE hazards;
VACUUM ANALYZE accidents;
""")


def postgis_sizes(pg, tiles, cap_s):
    """Tile by tile (one connection), each tile's size and server time, until `cap_s`
    seconds have passed for the zoom; a tile over the cap is stopped (statement_timeout):
    (sizes, seconds, tiles stopped)."""
    sizes, times, stopped = [], [], 0
    t_start = time.time()
    for z, x, y in tiles:
        left = cap_s - (time.time() - t_start)
        if left <= 0:
            break
        sql = (f"SET statement_timeout = {max(1000, int(left * 1000))};\n\\timing on\n"
               + TILE_SQL.format(wrap="length", where=f"(SELECT {z} AS z, {x} AS x, {y} AS y) s") + ";\n")
        r = subprocess.run(pg.psql_cmd(), input=sql, text=True, capture_output=True)
        if r.returncode != 0:
            if "statement timeout" in r.stderr:
                stopped += 1
                break
            sys.exit(f"PostGIS tile {z}/{x}/{y} failed:\n{r.stderr}")
        lines = [line for line in r.stdout.splitlines() if line and not line.startswith("Time:")]
        ms = re.findall(r"Time: ([0-9.]+) ms", r.stdout)
        sizes.append(int(lines[-1]))
        times.append(float(ms[-1]) / 1000)
    return sizes, times, stopped


def national_section(args, scratch, pg):
    work = args.work or scratch
    store = prepare_set(work, args.hazards, args.accidents, args.seed, "national: ")
    served = store
    if args.work:
        # `serve` opens the store for writing (its WAL files beside it): it serves a copy,
        # so that the work directory is only read once it holds the set and the store.
        served = os.path.join(scratch, "national.gpkg")
        shutil.copyfile(store, served)

    xs, ys = read_accidents(work)
    rnd = random.Random(args.seed)
    zooms = range(args.min_zoom, args.max_zoom + 1)
    tiles = {z: choose_tiles(z, xs, ys, args.all_max, args.sample, rnd) for z in zooms}
    t0 = time.time()
    expected = {z: counts_in_tiles(z, tiles[z], xs, ys) for z in zooms}
    print(f"national: {sum(len(t) for t in tiles.values())} tiles over the dense region, "
          f"accidents counted per tile from the CSV in {time.time() - t0:.1f} s", flush=True)
    del xs, ys

    server = Server(served, os.path.join(scratch, "serve-national.log"))
    rows = {z: {"zoom": z, "tiles": len(tiles[z])} for z in zooms}
    try:
        t0 = time.time()
        status, _, _, _ = server.get("/tiles.json")  # builds the first tile snapshot
        first_s = time.time() - t0
        rss_snapshot, _ = server.rss_mb()
        print(f"national: first request (the tile snapshot) {first_s:.2f} s; serve RSS {rss_snapshot:.0f} MB",
              flush=True)
        for z in zooms:
            plain, gzs, cold, worst, generalised, feats = [], [], [], 0.0, 0, 0
            worst_tile = None
            for t in tiles[z]:
                path = "/tiles/%d/%d/%d.mvt" % t
                st, body, enc, s = server.get(path)
                if st != 200 or enc:
                    sys.exit(f"{path}: status {st}, Content-Encoding {enc}")
                st, zbody, enc, _ = server.get(path, gz=True)
                if st != 200 or (zbody and enc != "gzip") or (enc == "gzip" and gzip.decompress(zbody) != body) \
                        or (not enc and zbody != body):
                    sys.exit(f"{path} with gzip: status {st}, Content-Encoding {enc}, not the plain tile")
                plain.append(len(body))
                gzs.append(len(zbody))
                cold.append(s * 1000)
                layers = decode_layers(body)
                feats = max(feats, sum(v[0] for v in layers.values()))
                generalised += any(v[2] for v in layers.values())
                _, got, clusters = layers.get("accidents", (0, 0, 0))
                want = expected[z][t[1:]][0 if clusters else 1]
                diff = abs(got - want) / want if want else (0.0 if got == 0 else math.inf)
                if diff > worst or worst_tile is None:
                    worst, worst_tile = max(worst, diff), (t, got, want)
            plain.sort()
            gzs.sort()
            rows[z].update({
                "generalised": generalised, "max_features": feats,
                "max_bytes": plain[-1], "p95_bytes": percentile(plain, 95),
                "max_gzip_bytes": gzs[-1], "p95_gzip_bytes": percentile(gzs, 95),
                "within_limit": plain[-1] <= LIMIT_BYTES, "first_max_ms": max(cold),
                "count_worst_diff": worst, "count_worst_tile": "%d/%d/%d" % worst_tile[0],
                "count_got": worst_tile[1], "count_want": worst_tile[2]})
            print(f"national: z{z}: {len(plain)} tiles, max {plain[-1]} B (gzip {gzs[-1]}), "
                  f"{generalised} generalised, count worst {100 * worst:.3f}% "
                  f"(z{worst_tile[0][0]}/{worst_tile[0][1]}/{worst_tile[0][2]}: {worst_tile[1]} vs {worst_tile[2]}), "
                  f"first fetch max {max(cold):.0f} ms", flush=True)
        for z in zooms:
            paths = ["/tiles/%d/%d/%d.mvt" % t for t in tiles[z]]
            for gz in (False, True):
                n, p50, p99, err = wrk(server.url, paths, args.seconds, args.connections, gz,
                                       os.path.join(scratch, "national.lua"))
                key = "gzip_" if gz else ""
                rows[z].update({key + "p50_ms": p50, key + "p99_ms": p99, key + "requests": n, key + "errors": err})
            print(f"national: z{z}: wrk p50/p99 {rows[z]['p50_ms']:.2f}/{rows[z]['p99_ms']:.2f} ms, "
                  f"gzip {rows[z]['gzip_p50_ms']:.2f}/{rows[z]['gzip_p99_ms']:.2f} ms", flush=True)
        _, hwm = server.rss_mb()
    finally:
        peak = server.stop()
    print(f"national: serve stopped; peak RSS {peak:.0f} MB", flush=True)

    if not args.no_postgis:
        t0 = time.time()
        load_national_postgis(pg, work)
        print(f"national: PostGIS load {time.time() - t0:.1f} s", flush=True)
        with open(os.path.join(scratch, "ntiles.csv"), "w") as f:
            for z in zooms:
                for k, (_, x, y) in enumerate(tiles[z]):
                    f.write(f"{z},{k},{x},{y}\n")
        pg.psql("CREATE TABLE ntiles (z int, k int, x int, y int, PRIMARY KEY (z, k));\n"
                f"\\copy ntiles FROM '{scratch}/ntiles.csv' CSV\n")
        for z in zooms:
            sizes, times, stopped = postgis_sizes(pg, tiles[z], args.pg_cap)
            row = rows[z]
            row.update({"pg_tiles": len(sizes), "pg_stopped": stopped,
                        "pg_max_bytes": max(sizes) if sizes else None,
                        "pg_one_max_ms": 1000 * max(times) if times else None})
            if sizes and max(times) <= args.pg_slow:
                script = os.path.join(scratch, f"national-z{z}.sql")
                with open(script, "w") as f:
                    f.write("\\set k random(0, %d)\n" % (len(sizes) - 1))
                    f.write(TILE_SQL.format(wrap="", where=f"ntiles WHERE z = {z} AND k = :k") + ";\n")
                n, p50, p99 = pgbench(pg, script, args.pg_seconds, args.connections,
                                      os.path.join(scratch, "pgb-national"))
                row.update({"pg_how": "pgbench", "pg_requests": n, "pg_p50_ms": p50, "pg_p99_ms": p99})
            else:
                # Too slow for a run of its own: the times of the size pass (one connection).
                t = sorted(1000 * v for v in times)
                row.update({"pg_how": "one connection", "pg_requests": len(t),
                            "pg_p50_ms": percentile(t, 50), "pg_p99_ms": percentile(t, 99)})
            print(f"national: PostGIS z{z}: {len(sizes)} of {len(tiles[z])} tiles"
                  + (f" (one stopped at the cap of {args.pg_cap:.0f} s)" if stopped else "")
                  + (f", max {max(sizes)} B, slowest {1000 * max(times):.0f} ms" if sizes else "")
                  + (f"; {row['pg_how']}: p50/p99 {row['pg_p50_ms']:.1f}/{row['pg_p99_ms']:.1f} ms"
                     if sizes else ""), flush=True)

    def fmt(v, f="{:,}"):
        return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f.format(v)

    print(f"\nnational: {args.hazards} hazards, {args.accidents} accidents; tiles over lon 134..137, "
          f"lat -26..-23 (all touching it up to {args.all_max} per zoom, else {args.sample} at random accidents)")
    print("sizes in bytes; count = worst |sum of point_count - accidents in the tile| / accidents, per zoom\n"
          "(in the tile: by exact position when the accidents layer has clusters, else rounded to units)")
    print(f"{'z':>2} {'tiles':>5} {'gen':>4} {'max':>11} {'p95':>11} {'max gzip':>11} {'p95 gzip':>11} "
          f"{'<=500k':>6} {'count':>8} {'1st ms':>7} {'PostGIS max':>12}")
    for z in zooms:
        r = rows[z]
        print(f"{z:>2} {r['tiles']:>5} {r['generalised']:>4} {r['max_bytes']:>11,} {r['p95_bytes']:>11,} "
              f"{r['max_gzip_bytes']:>11,} {r['p95_gzip_bytes']:>11,} {'yes' if r['within_limit'] else 'NO':>6} "
              f"{100 * r['count_worst_diff']:>7.3f}% {r['first_max_ms']:>7.0f} "
              f"{fmt(r.get('pg_max_bytes')):>12}"
              + (" (%d of %d tiles)" % (r["pg_tiles"], r["tiles"]) if r.get("pg_tiles", r["tiles"]) != r["tiles"]
                 else ""))
    print(f"\nlatency in ms, {args.connections} connections: minemap under wrk ({args.seconds} s per zoom and "
          f"encoding, after one fetch of each tile); PostGIS ST_AsMVT (hazards + accidents) under pgbench "
          f"({args.pg_seconds} s per zoom) or, where one tile takes over {args.pg_slow} s, the size pass "
          f"(one connection, at most {args.pg_cap:.0f} s per zoom)")
    print(f"{'z':>2} {'p50':>8} {'p99':>8} {'gz p50':>8} {'gz p99':>8} {'PG p50':>9} {'PG p99':>9} {'PG n':>5}  PG how")
    for z in zooms:
        r = rows[z]
        print(f"{z:>2} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['gzip_p50_ms']:>8.2f} {r['gzip_p99_ms']:>8.2f} "
              f"{fmt(r.get('pg_p50_ms'), '{:.1f}'):>9} {fmt(r.get('pg_p99_ms'), '{:.1f}'):>9} "
              f"{fmt(r.get('pg_requests')):>5}  {r.get('pg_how', '-')}"
              + (f"  ({r['errors'] + r['gzip_errors']} errors)" if r["errors"] + r["gzip_errors"] else ""))
    all_within = all(rows[z]["within_limit"] for z in zooms)
    worst = max(rows[z]["count_worst_diff"] for z in zooms)
    p99_5_10 = max((max(rows[z]["p99_ms"], rows[z]["gzip_p99_ms"]) for z in zooms if 5 <= z <= 10), default=None)
    print(f"\nserve memory: {rss_snapshot:.0f} MB after the first tile snapshot, peak {peak:.0f} MB "
          f"(peak at the end of the tile runs {hwm:.0f} MB)")
    print(f"every tile <= {LIMIT_BYTES:,} bytes: {'yes' if all_within else 'NO'}; point_count worst "
          f"{100 * worst:.3f}% ({'within' if worst <= 0.01 else 'OVER'} 1%); p99 at z5-10 at most "
          f"{fmt(p99_5_10, '{:.1f}')} ms ({'within' if p99_5_10 is not None and p99_5_10 <= 100 else 'OVER'} 100 ms)\n",
          flush=True)
    return {"hazards": args.hazards, "accidents": args.accidents, "first_snapshot_s": first_s,
            "rss_after_snapshot_mb": rss_snapshot, "peak_rss_mb": peak, "all_within_limit": all_within,
            "worst_count_diff": worst, "p99_z5_10_ms": p99_5_10, "zooms": [rows[z] for z in zooms]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", nargs="?", type=int, default=1000000, help="mix: item points (1,000,000)")
    ap.add_argument("seconds_mix", nargs="?", type=int, default=20, help="mix: seconds of each side (20)")
    ap.add_argument("connections", nargs="?", type=int, default=4, help="connections of wrk and pgbench (4)")
    ap.add_argument("--only", choices=["mix", "national"], help="one section only")
    ap.add_argument("--work", help="national: the generated set and store kept in DIR and reused "
                    "(DIR is only read once they are there; serve reads a copy of the store)")
    ap.add_argument("--hazards", type=int, default=100000)
    ap.add_argument("--accidents", type=int, default=1000000)
    ap.add_argument("--seed", type=int, default=42, help="of the set (as bench/stats-vs-postgis) and the tiles")
    ap.add_argument("--min-zoom", type=int, default=0)
    ap.add_argument("--max-zoom", type=int, default=16)
    ap.add_argument("--all-max", type=int, default=100, help="every tile of a zoom up to this many (100)")
    ap.add_argument("--sample", type=int, default=30, help="tiles of a zoom with more than --all-max (30)")
    ap.add_argument("--seconds", type=int, default=4, help="national: wrk seconds per zoom and encoding (4)")
    ap.add_argument("--pg-seconds", type=int, default=4, help="national: pgbench seconds per zoom (4)")
    ap.add_argument("--pg-cap", type=float, default=30, help="national: PostGIS size pass, seconds per zoom (30)")
    ap.add_argument("--pg-slow", type=float, default=2, help="national: no pgbench run at a zoom whose "
                    "slowest tile takes more seconds than this (2)")
    ap.add_argument("--no-postgis", action="store_true")
    args = ap.parse_args()
    scratch = tempfile.mkdtemp(prefix="minemap-tiles-")
    pg = None
    result = {}
    try:
        if not args.no_postgis:
            pg = Postgis(scratch, PORT, "jit = off")
        if args.only != "national" and not args.no_postgis:
            result["mix"] = mix_section(args, scratch, pg)
        if args.only != "mix":
            result["national"] = national_section(args, scratch, pg)
        print(json.dumps(result))
    finally:
        if pg:
            pg.stop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
