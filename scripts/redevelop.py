#!/usr/bin/env python3
"""Demolition and redevelopment on a household GeoJSON, for `gridplan replan` runs.

    scripts/redevelop.py IN OUT --remove-near X,Y --remove-share 0.08 \
                                --add-near X,Y --add-share 0.10

Reads household points (a FeatureCollection of Points with a household count field,
default "households", as `gridplan synth` and data/district write them). Removes the
households nearest --remove-near until --remove-share of all households are gone (whole
points, the last one cut down to hit the share exactly: a demolished area), and adds
--add-share of all households as a compound of new points around --add-near (a square
spiral of points --spacing metres apart, about --per-point households each: a new estate).
New points have the same properties as the others: the count field set, id fields (the
feature "id" member and properties named id or ending in _id) given new unique values,
every other property null. Coordinates are in the file's CRS; for longitude/latitude
(GeoJSON without a "crs" member, or CRS84/EPSG:4326) distances and the spacing are in metres
on the local tangent plane. Deterministic: the same input and options give the same bytes.
Standard library only.
"""

import argparse
import json
import math
import sys


def parse_xy(text, flag):
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        sys.exit(f"redevelop.py: {flag}: expected X,Y, got '{text}'")
    if not (math.isfinite(x) and math.isfinite(y)):
        sys.exit(f"redevelop.py: {flag}: coordinates must be finite, got '{text}'")
    return x, y


def parse_share(text, flag):
    try:
        v = float(text)
    except ValueError:
        sys.exit(f"redevelop.py: {flag}: expected a share from 0 to 1, got '{text}'")
    if not 0.0 <= v <= 1.0:
        sys.exit(f"redevelop.py: {flag}: expected a share from 0 to 1, got '{text}'")
    return v


def is_geographic(collection):
    crs = collection.get("crs")
    if crs is None:
        return True  # RFC 7946: WGS 84 longitude/latitude
    name = json.dumps(crs)
    return "CRS84" in name or "4326" in name


def is_id_field(name):
    n = name.lower()
    return n == "id" or n.endswith("_id")


def new_ids(existing, count):
    """`count` ids not among `existing`: whole numbers after the largest, else 'new-N'."""
    values = [v for v in existing if v is not None]
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        start = max(values) + 1
        return [start + k for k in range(count)]
    taken = {str(v) for v in values}
    out = []
    k = 1
    while len(out) < count:
        candidate = f"new-{k:06d}"
        if candidate not in taken:
            out.append(candidate)
        k += 1
    return out


def spiral(n):
    """The first n cells of a square spiral around (0, 0), as (i, j)."""
    cells = [(0, 0)]
    i = j = 0
    step = 1
    while len(cells) < n:
        for di, dj, length in ((1, 0, step), (0, 1, step), (-1, 0, step + 1), (0, -1, step + 1)):
            for _ in range(length):
                i += di
                j += dj
                cells.append((i, j))
        step += 2
    return cells[:n]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="household points (GeoJSON)")
    p.add_argument("output", help="the redeveloped household points (GeoJSON)")
    p.add_argument("--remove-near", required=True, help="X,Y: the centre of the demolition")
    p.add_argument("--remove-share", required=True, help="share of all households removed, 0 to 1")
    p.add_argument("--add-near", required=True, help="X,Y: the centre of the new compound")
    p.add_argument("--add-share", required=True, help="share of all households added, 0 to 1")
    p.add_argument("--count-field", default="households", help="household count field (default households)")
    p.add_argument("--per-point", type=int, default=120, help="households per new point, about (default 120)")
    p.add_argument("--spacing", type=float, default=30.0, help="metres between new points (default 30)")
    a = p.parse_args()
    remove_xy = parse_xy(a.remove_near, "--remove-near")
    add_xy = parse_xy(a.add_near, "--add-near")
    remove_share = parse_share(a.remove_share, "--remove-share")
    add_share = parse_share(a.add_share, "--add-share")
    if a.per_point < 1:
        sys.exit("redevelop.py: --per-point: must be at least 1")
    if not (a.spacing > 0 and math.isfinite(a.spacing)):
        sys.exit("redevelop.py: --spacing: must be above 0")

    try:
        with open(a.input, encoding="utf-8") as f:
            collection = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"redevelop.py: {a.input}: {e}")
    features = collection.get("features")
    if collection.get("type") != "FeatureCollection" or not isinstance(features, list):
        sys.exit(f"redevelop.py: {a.input}: not a GeoJSON FeatureCollection")
    counts = []
    for k, feature in enumerate(features):
        geom = feature.get("geometry") or {}
        props = feature.get("properties") or {}
        if geom.get("type") != "Point":
            sys.exit(f"redevelop.py: {a.input}: feature {k}: expected a Point, got {geom.get('type')}")
        value = props.get(a.count_field)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            sys.exit(f"redevelop.py: {a.input}: feature {k}: no household count in field '{a.count_field}'")
        counts.append(int(round(value)))
    total = sum(counts)
    if total == 0:
        sys.exit(f"redevelop.py: {a.input}: no households")

    geographic = is_geographic(collection)
    lat0 = remove_xy[1] if geographic else 0.0

    def metres(x, y, cx, cy, lat):
        if geographic:
            k = 111320.0
            return math.hypot((x - cx) * k * math.cos(math.radians(lat)), (y - cy) * k)
        return math.hypot(x - cx, y - cy)

    # Demolition: nearest points first (ties by position in the file).
    target_remove = int(round(remove_share * total))
    order = sorted(range(len(features)),
                   key=lambda k: (metres(*features[k]["geometry"]["coordinates"][:2], *remove_xy, lat0), k))
    left = list(counts)
    removed = 0
    for k in order:
        if removed >= target_remove:
            break
        take = min(left[k], target_remove - removed)
        left[k] -= take
        removed += take
    kept = []
    for k, feature in enumerate(features):
        if left[k] == 0 and counts[k] > 0:
            continue
        if left[k] != counts[k]:
            feature = json.loads(json.dumps(feature))
            feature["properties"][a.count_field] = left[k]
        kept.append(feature)

    # The new compound: a square spiral of points around --add-near.
    target_add = int(round(add_share * total))
    n_new = max(1, math.ceil(target_add / a.per_point)) if target_add > 0 else 0
    new_counts = [target_add // n_new + (1 if k < target_add % n_new else 0) for k in range(n_new)] if n_new else []
    keys = []
    for feature in features:
        for key in (feature.get("properties") or {}):
            if key not in keys:
                keys.append(key)
    id_fields = [key for key in keys if is_id_field(key) and key != a.count_field]
    new_values = {key: new_ids([(f.get("properties") or {}).get(key) for f in features], n_new) for key in id_fields}
    has_feature_id = any("id" in f for f in features)
    new_feature_ids = new_ids([f.get("id") for f in features], n_new) if has_feature_id else []
    if geographic:
        dx = a.spacing / (111320.0 * math.cos(math.radians(add_xy[1])))
        dy = a.spacing / 111320.0
    else:
        dx = dy = a.spacing
    added = []
    for k, (i, j) in enumerate(spiral(n_new)):
        x = add_xy[0] + i * dx
        y = add_xy[1] + j * dy
        if geographic:
            x, y = round(x, 7), round(y, 7)
        props = {key: None for key in keys}
        props[a.count_field] = new_counts[k]
        for key in id_fields:
            props[key] = new_values[key][k]
        feature = {"type": "Feature"}
        if has_feature_id:
            feature["id"] = new_feature_ids[k]
        feature["properties"] = props
        feature["geometry"] = {"type": "Point", "coordinates": [x, y]}
        added.append(feature)

    out = {key: value for key, value in collection.items() if key != "features"}
    out["features"] = kept + added
    # One feature per line, as GDAL writes GeoJSON.
    lines = [json.dumps(f, ensure_ascii=False, separators=(", ", ": ")) for f in out["features"]]
    head = {key: value for key, value in out.items() if key != "features"}
    text = "{\n"
    for key, value in head.items():
        text += f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n"
    text += '"features": [\n' + ",\n".join(lines) + "\n]\n}\n"
    try:
        with open(a.output, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        sys.exit(f"redevelop.py: {a.output}: {e}")
    print(f"households: {total} in {len(features)} points; removed {removed} near {a.remove_near} "
          f"({len(features) - len(kept)} points gone); added {target_add} in {n_new} new points near {a.add_near}; "
          f"now {total - removed + target_add} in {len(kept) + len(added)} points")


if __name__ == "__main__":
    main()
