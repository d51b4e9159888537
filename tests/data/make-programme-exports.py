#!/usr/bin/python3
"""Writes the IMSMA-style accidents (imsma-style-accidents.csv, beside this script)
as a programme would receive them from other tools, into OUT_DIR:

  accidents.xlsx   Excel sheet: typed cells, a Date column, LAT/LON columns
  accidents.ods    the same as an OpenDocument spreadsheet
  accidents.gdb    file geodatabase (ArcGIS), points in UTM 34N, dates as DateTime
  accidents.kml    KML from a field tablet, attributes as ExtendedData
  accidents.shp    shapefile with a Date field

Usage: make-programme-exports.py OUT_DIR
"""
import csv
import os
import sys

from osgeo import ogr, osr

ogr.UseExceptions()
osr.UseExceptions()

here = os.path.dirname(os.path.abspath(__file__))
out = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(here, "imsma-style-accidents.csv"), encoding="utf-8")))

wgs84 = osr.SpatialReference()
wgs84.ImportFromEPSG(4326)
wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
utm34 = osr.SpatialReference()
utm34.ImportFromEPSG(32634)
utm34.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
to_utm = osr.CoordinateTransformation(wgs84, utm34)

INTEGER = {"KILLED", "INJURED", "CHILDREN"}
REAL = {"LAT", "LON"}


def write(driver, name, srs, date_type, lonlat_columns):
    path = os.path.join(out, name)
    ds = ogr.GetDriverByName(driver).CreateDataSource(path)
    spatial = srs is not None
    layer = ds.CreateLayer("accidents", srs, ogr.wkbPoint if spatial else ogr.wkbNone)
    columns = [c for c in rows[0].keys() if lonlat_columns or c not in REAL]
    for c in columns:
        kind = ogr.OFTString
        if c in INTEGER:
            kind = ogr.OFTInteger
        elif c in REAL:
            kind = ogr.OFTReal
        elif c == "ACC_DATE":
            kind = date_type
        layer.CreateField(ogr.FieldDefn(c, kind))
    for r in rows:
        f = ogr.Feature(layer.GetLayerDefn())
        for c in columns:
            v = r[c]
            if v == "":
                continue
            if c in INTEGER:
                f.SetField(c, int(v))
            elif c in REAL:
                f.SetField(c, float(v))
            elif c == "ACC_DATE":
                d, m, y = (int(x) for x in v.split("/"))
                hh, mm = (int(x) for x in r["ACC_TIME"].split(":")) if r["ACC_TIME"] else (0, 0)
                if date_type == ogr.OFTString:
                    f.SetField(c, v)
                elif date_type == ogr.OFTDateTime:
                    f.SetField(c, y, m, d, hh, mm, 0, 0)
                else:
                    f.SetField(c, y, m, d, 0, 0, 0, 0)
            else:
                f.SetField(c, v)
        if spatial:
            p = ogr.Geometry(ogr.wkbPoint)
            p.AddPoint_2D(float(r["LON"]), float(r["LAT"]))
            if srs is utm34:
                p.Transform(to_utm)
            f.SetGeometry(p)
        layer.CreateFeature(f)
    ds = None


os.makedirs(out, exist_ok=True)
write("XLSX", "accidents.xlsx", None, ogr.OFTDate, True)
write("ODS", "accidents.ods", None, ogr.OFTDate, True)
write("OpenFileGDB", "accidents.gdb", utm34, ogr.OFTDateTime, False)
write("LIBKML", "accidents.kml", wgs84, ogr.OFTString, False)
write("ESRI Shapefile", "accidents.shp", wgs84, ogr.OFTDate, False)
