#!/usr/bin/env python3
"""Makes a small vector base map for the tests of `serve --basemap`, with nothing
downloaded: a few roads, places, a lake, land use, buildings and a boundary near
46.75E 39.4N as GeoJSON, named as the OpenMapTiles schema names its layers (which
tilemaker writes), turned into an MBTiles file by GDAL (`ogr2ogr -f MBTiles`, gzip
tiles, rows counted from the bottom), and the same tiles written as PMTiles version 3
archives by the writer below (docs/basemap.md). Also writes broken archives for the
refusal tests.

    make-basemap.py OUTDIR

OUTDIR/ gets basemap.mbtiles, basemap.pmtiles (gzip tiles and directories),
basemap-plain.pmtiles (nothing compressed), basemap-leaves.pmtiles (a root directory of
leaf directories), tiles.json (every tile: z, x, y (XYZ) and the stored bytes in hex),
and bad-*.pmtiles / bad-*.mbtiles.
"""
import gzip
import json
import os
import sqlite3
import struct
import subprocess
import sys

LON, LAT = 46.75, 39.40


def square(cx, cy, r):
    return [[[cx - r, cy - r], [cx + r, cy - r], [cx + r, cy + r], [cx - r, cy + r], [cx - r, cy - r]]]


def feature(geom_type, coords, **props):
    return {"type": "Feature", "properties": props, "geometry": {"type": geom_type, "coordinates": coords}}


def layers():
    roads = [
        ([[LON - 0.05, LAT - 0.01], [LON + 0.05, LAT + 0.01]], "primary", "Main Road"),
        ([[LON - 0.01, LAT - 0.05], [LON + 0.01, LAT + 0.05]], "secondary", "River Street"),
        ([[LON - 0.03, LAT + 0.03], [LON + 0.02, LAT + 0.035]], "track", ""),
    ]
    return {
        "water": [feature("Polygon", square(LON + 0.02, LAT - 0.02, 0.008), **{"class": "lake"})],
        "landuse": [feature("Polygon", square(LON, LAT, 0.01), **{"class": "residential"})],
        "landcover": [feature("Polygon", square(LON - 0.025, LAT + 0.02, 0.01), **{"class": "wood", "subclass": "forest"})],
        "transportation": [feature("LineString", c, **{"class": k}) for c, k, _ in roads],
        "transportation_name": [feature("LineString", c, **{"class": k, "name": n}) for c, k, n in roads if n],
        "building": [feature("Polygon", square(LON + 0.001, LAT + 0.001, 0.0003))],
        "boundary": [feature("LineString", [[LON - 0.06, LAT + 0.045], [LON + 0.06, LAT + 0.045]], admin_level=2)],
        "place": [
            feature("Point", [LON, LAT], **{"class": "town", "name": "Testtown", "rank": 10}),
            feature("Point", [LON - 0.03, LAT + 0.025], **{"class": "village", "name": "Smallvillage", "rank": 14}),
        ],
    }


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def make_mbtiles(out):
    gpkg = os.path.join(out, "layers.gpkg")
    for f in (gpkg, os.path.join(out, "basemap.mbtiles")):
        if os.path.exists(f):
            os.remove(f)
    for name, feats in layers().items():
        src = os.path.join(out, name + ".geojson")
        with open(src, "w") as f:
            json.dump({"type": "FeatureCollection", "features": feats}, f)
        run("ogr2ogr", "-f", "GPKG", "-update", "-nln", name, gpkg, src) if os.path.exists(gpkg) else run(
            "ogr2ogr", "-f", "GPKG", "-nln", name, gpkg, src)
        os.remove(src)
    run("ogr2ogr", "-f", "MBTiles", os.path.join(out, "basemap.mbtiles"), gpkg,
        "-dsco", "MINZOOM=0", "-dsco", "MAXZOOM=14", "-dsco", "NAME=test base map")
    os.remove(gpkg)
    # An attribution, as tilemaker writes one.
    db = sqlite3.connect(os.path.join(out, "basemap.mbtiles"))
    db.execute("INSERT INTO metadata VALUES ('attribution', '© test data')")
    db.commit()
    db.close()


# ---- PMTiles version 3 ----

def tile_id(z, x, y):
    acc = ((1 << (2 * z)) - 1) // 3
    n = 1 << z
    d = 0
    s = n // 2
    while s > 0:
        rx = 1 if x & s else 0
        ry = 1 if y & s else 0
        d += s * s * ((3 * rx) ^ ry)
        if ry == 0:
            if rx == 1:
                x, y = n - 1 - x, n - 1 - y
            x, y = y, x
        s //= 2
    return acc + d


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def directory(entries):
    """entries: (tile_id, offset, length, run_length), ascending ids."""
    out = bytearray(varint(len(entries)))
    last = 0
    for e in entries:
        out += varint(e[0] - last)
        last = e[0]
    for e in entries:
        out += varint(e[3])
    for e in entries:
        out += varint(e[2])
    for i, e in enumerate(entries):
        if i > 0 and e[1] == entries[i - 1][1] + entries[i - 1][2]:
            out += varint(0)
        else:
            out += varint(e[1] + 1)
    return bytes(out)


def write_pmtiles(path, tiles, meta, compress, leaves=False, edit=None):
    """tiles: {(z, x, y): bytes as in the MBTiles (gzip)}."""
    by_id = sorted((tile_id(z, x, y), z, data) for (z, x, y), data in tiles.items())
    data = bytearray()
    entries = []
    seen = {}
    for tid, _, blob in by_id:
        if not compress:
            blob = gzip.decompress(blob)
        if entries and entries[-1][0] + entries[-1][3] == tid and seen.get(blob) == entries[-1][1]:
            e = entries[-1]
            entries[-1] = (e[0], e[1], e[2], e[3] + 1)
            continue
        if blob in seen:
            entries.append((tid, seen[blob], len(blob), 1))
        else:
            seen[blob] = len(data)
            entries.append((tid, len(data), len(blob), 1))
            data += blob
    pack = (lambda b: gzip.compress(b, mtime=0)) if compress else (lambda b: b)
    leaf_bytes = bytearray()
    if leaves:
        root_entries = []
        for i in range(0, len(entries), 4):
            chunk = pack(directory(entries[i:i + 4]))
            root_entries.append((entries[i][0], len(leaf_bytes), len(chunk), 0))
            leaf_bytes += chunk
        root = pack(directory(root_entries))
    else:
        root = pack(directory(entries))
    metadata = pack(json.dumps(meta).encode())
    root_off = 127
    meta_off = root_off + len(root)
    leaf_off = meta_off + len(metadata)
    data_off = leaf_off + len(leaf_bytes)
    zooms = [z for _, z, _ in by_id]
    h = bytearray(b"PMTiles" + bytes([3]))
    h += struct.pack("<QQQQQQQQ", root_off, len(root), meta_off, len(metadata), leaf_off, len(leaf_bytes),
                     data_off, len(data))
    h += struct.pack("<QQQ", len(by_id), len(entries), len(seen))
    comp = 2 if compress else 1
    h += bytes([1, comp, comp, 1, min(zooms), max(zooms)])
    b = meta["bounds"]
    h += struct.pack("<iiii", *(round(v * 1e7) for v in b))
    h += bytes([12]) + struct.pack("<ii", round(LON * 1e7), round(LAT * 1e7))
    assert len(h) == 127
    whole = bytearray(h + root + metadata + leaf_bytes + data)
    if edit:
        edit(whole)
    with open(path, "wb") as f:
        f.write(whole)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    make_mbtiles(out)
    db = sqlite3.connect(os.path.join(out, "basemap.mbtiles"))
    tiles = {}
    for z, col, row, blob in db.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles"):
        tiles[(z, col, (1 << z) - 1 - row)] = bytes(blob)
    md = dict(db.execute("SELECT name, value FROM metadata"))
    db.close()
    meta = {"name": md.get("name", ""), "attribution": md.get("attribution", ""),
            "vector_layers": json.loads(md["json"])["vector_layers"],
            "bounds": [float(v) for v in md["bounds"].split(",")]}
    with open(os.path.join(out, "tiles.json"), "w") as f:
        json.dump([{"z": z, "x": x, "y": y, "hex": b.hex()} for (z, x, y), b in sorted(tiles.items())], f)

    write_pmtiles(os.path.join(out, "basemap.pmtiles"), tiles, meta, True)
    write_pmtiles(os.path.join(out, "basemap-plain.pmtiles"), tiles, meta, False)
    write_pmtiles(os.path.join(out, "basemap-leaves.pmtiles"), tiles, meta, True, leaves=True)

    good = open(os.path.join(out, "basemap.pmtiles"), "rb").read()

    def bad(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

    bad("bad-truncated.pmtiles", good[: len(good) // 2])
    bad("bad-header.pmtiles", good[:100])
    bad("bad-magic.pmtiles", b"PMTilez" + good[7:])
    bad("bad-version.pmtiles", good[:7] + bytes([2]) + good[8:])
    # The root directory's offset past the end of the file.
    bad("bad-root-outside.pmtiles", good[:8] + struct.pack("<Q", len(good) + 10) + good[16:])
    # The tile data said shorter than the tiles the directory points at.
    bad("bad-tile-outside.pmtiles", good[:64] + struct.pack("<Q", 10) + good[72:])
    # A leaf directory pointing past the leaf section.
    leaves = open(os.path.join(out, "basemap-leaves.pmtiles"), "rb").read()
    bad("bad-leaf-outside.pmtiles", leaves[:48] + struct.pack("<Q", 5) + leaves[56:])
    # The root directory's gzip stream broken.
    root_off, root_len = struct.unpack_from("<QQ", good, 8)
    broken = bytearray(good)
    for i in range(root_off + 10, root_off + root_len):
        broken[i] ^= 0x5A
    bad("bad-root-gzip.pmtiles", bytes(broken))
    bad("bad-empty.pmtiles", b"")
    bad("bad-text.mbtiles", b"this is not a tile archive\n" * 10)
    # A raster MBTiles: refused, a base map is of vector tiles.
    png = os.path.join(out, "bad-raster.mbtiles")
    if os.path.exists(png):
        os.remove(png)
    db = sqlite3.connect(png)
    db.executescript("CREATE TABLE metadata (name text, value text);"
                     "CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob);"
                     "INSERT INTO metadata VALUES ('format', 'png'), ('name', 'raster');")
    db.close()
    # Tiles as an endless view: refused at start when the zooms must be read from it,
    # cut short at the first tile read otherwise.
    endless = ("CREATE TABLE metadata (name text, value text);"
               "CREATE VIEW tiles AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) "
               "SELECT 0 AS zoom_level, 0 AS tile_column, 0 AS tile_row, n AS tile_data FROM c WHERE n < 0;"
               "INSERT INTO metadata VALUES ('format', 'pbf');")
    for name, extra in (("bad-endless.mbtiles", ""),
                        ("slow-view.mbtiles", "INSERT INTO metadata VALUES ('minzoom', '0'), ('maxzoom', '14');")):
        f = os.path.join(out, name)
        if os.path.exists(f):
            os.remove(f)
        db = sqlite3.connect(f)
        db.executescript(endless + extra)
        db.close()


if __name__ == "__main__":
    main()
