#!/usr/bin/python3
"""Vector tiles of `minemap serve` against PostGIS's ST_AsMVT on the same data.

A demo store is served; its approved features are copied into a throwaway
PostgreSQL 15 + PostGIS 3 cluster (tests/pg/cluster: a socket in a temp dir, no TCP
port). For every tile over the data at zooms 6 to 16 (and a few empty ones),
both tiles are decoded with GDAL's MVT driver (a decoder neither side wrote) and
compared layer by layer: the same feature ids, and every geometry within one tile
unit of the other (each inside the other grown by one unit). Prints the counts and
exits non-zero on the first difference.

Needs: MINEMAP_BIN, the system python3 with osgeo (python3-gdal), postgresql-15-postgis-3.
"""
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from osgeo import gdal, ogr

gdal.UseExceptions()

PORT = 55433
EXTENT, BUFFER = 4096, 64
# Layer name in the tiles -> table in the store and in PostGIS.
LAYERS = {
    "admin-areas": "admin_areas",
    "roads": "roads",
    "hazards": "hazards",
    "releases": "releases",
    "records": "records",
    "record-mines": "record_mines",
    "settlements": "settlements",
    "items": "items",
    "accidents": "accidents",
}


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


# The throwaway cluster (root or not, tests/pg/cluster says how).
CLUSTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pg", "cluster")


class Cluster:
    def __init__(self):
        parent = tempfile.mkdtemp(prefix="minemap-pg-")
        os.chmod(parent, 0o755)  # the server's user (postgres, when run as root) goes through it
        self.dir = os.path.join(parent, "pg")
        run(CLUSTER, "start", self.dir, str(PORT))

    def psql(self, sql):
        return run("psql", "-h", self.dir, "-p", str(PORT), "-U", "postgres", "-At", "-c", sql)

    def dsn(self):
        return f"PG:host={self.dir} port={PORT} user=postgres dbname=postgres"

    def stop(self):
        try:
            run(CLUSTER, "stop", self.dir)
        finally:
            shutil.rmtree(os.path.dirname(self.dir), ignore_errors=True)


def tile_of(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def decode(data, z, x, y, path):
    """{layer: {id: ogr.Geometry}} as GDAL's MVT driver reads the tile."""
    with open(path, "wb") as f:
        f.write(data)
    out = {}
    if not data:
        return out
    ds = gdal.OpenEx("MVT:" + path, gdal.OF_VECTOR, open_options=[f"X={x}", f"Y={y}", f"Z={z}"])
    for i in range(ds.GetLayerCount()):
        layer = ds.GetLayer(i)
        feats = {}
        for f in layer:
            fid = f.GetField("id")
            if fid in feats:
                raise AssertionError(f"{z}/{x}/{y} {layer.GetName()}: id {fid} twice")
            feats[fid] = f.GetGeometryRef().Clone()
        out[layer.GetName()] = feats
    return out


def main():
    mm = os.environ.get("MINEMAP_BIN", "minemap")
    work = tempfile.mkdtemp(prefix="minemap-tiles-")
    server = cluster = None
    try:
        run(mm, "demo", "--dir", os.path.join(work, "demo"), "--no-serve")
        store = os.path.join(work, "demo", "demo.gpkg")
        log = open(os.path.join(work, "serve.log"), "w")
        server = subprocess.Popen([mm, "serve", store, "--port", "0"], stdout=log)
        url = None
        for _ in range(200):
            time.sleep(0.05)
            text = open(os.path.join(work, "serve.log")).read()
            if "http://" in text and "\n" in text[text.index("http://"):]:
                url = text[text.index("http://"):].split("\n")[0]
                break
        assert url, "the server printed no address"

        cluster = Cluster()
        for table in LAYERS.values():
            run("ogr2ogr", "-f", "PostgreSQL", cluster.dsn(), store, table, "-nln", table,
                "-lco", "GEOMETRY_NAME=geom", "-lco", "FID=fid",
                "-where", "workflow = 'approved' AND deleted = 0")

        # The tiles: those over every feature's first vertex at zooms 6..16, plus two
        # far away (empty on both sides).
        points = []
        for table in LAYERS.values():
            rows = cluster.psql(f"SELECT ST_X(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom,1)),1)), "
                                f"ST_Y(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom,1)),1)) FROM {table} "
                                f"WHERE ST_Dimension(geom) = 2 UNION ALL "
                                f"SELECT ST_X(ST_StartPoint(ST_GeometryN(geom,1))), "
                                f"ST_Y(ST_StartPoint(ST_GeometryN(geom,1))) FROM {table} "
                                f"WHERE ST_Dimension(geom) = 1 UNION ALL "
                                f"SELECT ST_X(ST_GeometryN(geom,1)), ST_Y(ST_GeometryN(geom,1)) "
                                f"FROM {table} WHERE ST_Dimension(geom) = 0").stdout
            for line in rows.split():
                lon, lat = map(float, line.split("|"))
                points.append((lon, lat))
        tiles = {(z,) + tile_of(lon, lat, z) for z in range(6, 17) for lon, lat in points}
        tiles |= {(10, 0, 0), (14, 100, 100)}

        compared = features = specks = 0
        for z, x, y in sorted(tiles):
            ours = urllib.request.urlopen(f"{url}tiles/{z}/{x}/{y}.mvt").read()
            parts = []
            for name, table in LAYERS.items():
                parts.append(
                    f"(SELECT ST_AsMVT(q, '{name}', {EXTENT}, 'geom') FROM (SELECT id, "
                    f"ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope({z},{x},{y}), "
                    f"{EXTENT}, {BUFFER}, true) AS geom FROM {table} WHERE geom && "
                    f"ST_Transform(ST_TileEnvelope({z},{x},{y}, margin => {BUFFER / EXTENT}), 4326)) q "
                    f"WHERE geom IS NOT NULL)")
            hexbytes = cluster.psql("SELECT encode(" + " || ".join(parts) + ", 'hex')").stdout.strip()
            theirs = bytes.fromhex(hexbytes)
            a = decode(ours, z, x, y, os.path.join(work, "ours.mvt"))
            b = decode(theirs, z, x, y, os.path.join(work, "theirs.mvt"))
            unit = 2 * 20037508.342789244 / 2 ** z / EXTENT
            for name in sorted(set(a) | set(b)):
                fa, fb = a.get(name, {}), b.get(name, {})
                # A feature on one side only must be a speck: an area or line whose box is
                # at most 2 units each way, which one encoder keeps as a unit-sized polygon
                # and the other drops as collapsed (PostGIS validates polygons with wagyu).
                for fid in set(fa) ^ set(fb):
                    g = fa.get(fid) or fb.get(fid)
                    minx, maxx, miny, maxy = g.GetEnvelope()
                    if g.GetDimension() == 0 or maxx - minx > 2.01 * unit or maxy - miny > 2.01 * unit:
                        raise AssertionError(
                            f"tile {z}/{x}/{y} layer {name}: feature {fid} only in "
                            f"{'minemap' if fid in fa else 'PostGIS'}: {g.ExportToWkt()[:300]}")
                    specks += 1
                for fid in set(fa) & set(fb):
                    ga = fa[fid]
                    gb = fb[fid]
                    tol = unit * 1.01
                    if not (ga.Buffer(tol).Contains(gb) and gb.Buffer(tol).Contains(ga)):
                        raise AssertionError(
                            f"tile {z}/{x}/{y} layer {name} feature {fid}: geometries differ by more "
                            f"than one tile unit ({unit:.3f} m)\n minemap {ga.ExportToWkt()[:300]}\n"
                            f" PostGIS {gb.ExportToWkt()[:300]}")
                features += len(set(fa) & set(fb))
            compared += 1
        print(f"tiles: {compared} compared with PostGIS ST_AsMVT (zooms 6-16): {features} features "
              f"in both, every geometry within one tile unit; {specks} specks of at most 2 units "
              "kept by one side only")
    finally:
        if server:
            server.send_signal(signal.SIGTERM)
            server.wait()
        if cluster:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
