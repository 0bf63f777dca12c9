#!/usr/bin/env python3
"""Generate the small hand-designed sample district in data/sample/.

Run with the system Python 3 (standard library only):

    /usr/bin/python3 scripts/make_small_sample.py

It (re)writes, next to each other in data/sample/:

  boundary.geojson    the district outline "Kuiwen sample district": an irregular
                      9-vertex polygon of about 2.4 km (east-west) x 1.8 km
                      (north-south) centred near lon 119.10, lat 36.70.
  roads.geojson       barrier lines with `kind` (primary, secondary, tertiary,
                      residential, service, footway), `name` (null for most alleys)
                      and `bridge` ("yes" on the single footbridge, else null):
                        - arterials: three north-south (Weizhou Road is gently curved),
                          two east-west, and Heping Road, a diagonal;
                        - local streets every ~200-300 m, two riverside roads;
                        - a dense, irregular alley network in the old village quarter
                          (west bank, between Weizhou Road and the river), sparse
                          service roads and footways elsewhere, cul-de-sacs;
                        - a park with footpaths and one footbridge that crosses
                          Renmin Street WITHOUT a shared vertex.
                      Every other crossing or T-junction of two lines (roads and rivers)
                      is a shared vertex. Roads leave the district by 20-100 m or end
                      on its boundary.
  rivers.geojson      Bailang River (curved, north-south, crossing the whole district)
                      and Yuhe Stream, which comes in from the west and joins it. Roads
                      cross them only at six bridges.
  water.geojson       the Bailang River's water area (a 42-58 m wide band around the
                      river line) and a pond in the park.
  households.geojson  household points (`households`): apartment compounds (50-300 per
                      building), the old village (1-3 per house), mixed streets (1-8),
                      none in the park or the river, and exactly 5 points with 37
                      households just outside the boundary. 15,000 households in all.
  district.json       the gridplan config that reads the files above.

Everything is designed in a local metric frame (metres east/north of the centre) and
converted with a simple equirectangular projection (111320 m per degree of latitude,
longitude scaled by cos(lat0)); coordinates are rounded to 7 decimals. The random
parts use random.Random(20261127), so two runs write identical bytes. The script
checks its own output (bridges, unnoded crossings, dead ends, household totals) and
prints a summary.
"""

import json
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "data", "sample"))

LON0, LAT0 = 119.10, 36.70
M_PER_DEG_LAT = 111320.0
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(LAT0))

SEED = 20261127
HOUSEHOLDS_TOTAL = 15000
OUTSIDE_HOUSEHOLDS = [12, 9, 7, 5, 4]  # 5 points, 37 households

rng = random.Random(SEED)


# ----------------------------------------------------------------------------
# Planar geometry helpers (metres)
# ----------------------------------------------------------------------------

def lerp(a, b, t):
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def seg_len(a, b):
    return math.hypot(b[0] - a[0], b[1] - a[1])


def length(line):
    return sum(seg_len(line[i], line[i + 1]) for i in range(len(line) - 1))


def point_at(line, s):
    """Point at arc length s; s outside [0, length] extrapolates the end segments."""
    if s <= 0:
        a, b = line[0], line[1]
        return lerp(a, b, s / seg_len(a, b))
    cum = 0.0
    for i in range(len(line) - 1):
        d = seg_len(line[i], line[i + 1])
        if s <= cum + d:
            return lerp(line[i], line[i + 1], (s - cum) / d)
        cum += d
    a, b = line[-2], line[-1]
    d = seg_len(a, b)
    return lerp(a, b, 1.0 + (s - cum) / d)


def subline(line, s0, s1, p0=None, p1=None):
    """The part of `line` between arc lengths s0 < s1 (optionally with exact end points)."""
    out = [p0 if p0 is not None else point_at(line, s0)]
    cum = 0.0
    for i in range(len(line)):
        if i > 0:
            cum += seg_len(line[i - 1], line[i])
        if s0 + 1e-6 < cum < s1 - 1e-6:
            out.append(line[i])
    out.append(p1 if p1 is not None else point_at(line, s1))
    return out


def intersections(line, other):
    """[(arc length along line, point)] where polyline `line` meets polyline `other`."""
    res = []
    cum = 0.0
    for i in range(len(line) - 1):
        a, b = line[i], line[i + 1]
        la = seg_len(a, b)
        rx, ry = b[0] - a[0], b[1] - a[1]
        for j in range(len(other) - 1):
            c, d = other[j], other[j + 1]
            sx, sy = d[0] - c[0], d[1] - c[1]
            den = rx * sy - ry * sx
            if abs(den) < 1e-12:
                continue
            qx, qy = c[0] - a[0], c[1] - a[1]
            t = (qx * sy - qy * sx) / den
            u = (qx * ry - qy * rx) / den
            if -1e-9 <= t <= 1 + 1e-9 and -1e-9 <= u <= 1 + 1e-9:
                res.append((cum + t * la, lerp(a, b, t)))
        cum += la
    res.sort()
    out = []
    for s, p in res:
        if out and abs(s - out[-1][0]) < 1e-6:
            continue
        out.append((s, p))
    return out


def between(line, start_at=None, end_at=None, pick_start=None, pick_end=None):
    """Cut `line` so that it starts where it meets `start_at` and ends where it meets
    `end_at` (each None: keep that end). The end points are the exact meeting points."""
    s0, p0 = 0.0, line[0]
    s1, p1 = length(line), line[-1]
    if start_at is not None:
        xs = intersections(line, start_at)
        if pick_start is None:
            assert len(xs) == 1, "between(): expected one start meeting, got %d" % len(xs)
            pick_start = 0
        s0, p0 = xs[pick_start]
    if end_at is not None:
        xs = intersections(line, end_at)
        if pick_end is None:
            assert len(xs) == 1, "between(): expected one end meeting, got %d" % len(xs)
            pick_end = 0
        s1, p1 = xs[pick_end]
    assert s1 > s0
    return subline(line, s0, s1, p0, p1)


def crossing(l1, l2):
    xs = intersections(l1, l2)
    assert len(xs) == 1, "crossing(): expected one crossing, got %d" % len(xs)
    return xs[0][1]


def x_at_y(line, y):
    return crossing([(-1e5, y), (1e5, y)], line)[0]


def y_at_x(line, x):
    return crossing([(x, -1e5), (x, 1e5)], line)[1]


def inside(p, ring):
    """Ray casting point-in-polygon for a closed ring."""
    x, y = p
    res = False
    for i in range(len(ring) - 1):
        (x1, y1), (x2, y2) = ring[i], ring[i + 1]
        if (y1 > y) != (y2 > y):
            xc = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if xc > x:
                res = not res
    return res


def dist_point_seg(p, a, b):
    dx, dy = b[0] - a[0], b[1] - a[1]
    dd = dx * dx + dy * dy
    if dd == 0:
        return seg_len(p, a)
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / dd))
    return seg_len(p, (a[0] + t * dx, a[1] + t * dy))


def dist_point_line(p, line):
    return min(dist_point_seg(p, line[i], line[i + 1]) for i in range(len(line) - 1))


def signed_area(ring):
    return 0.5 * sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1))


def smooth(ctrl, n):
    """Catmull-Rom spline through the control points, n points per span."""
    p = [ctrl[0]] + list(ctrl) + [ctrl[-1]]
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        for k in range(n):
            t = k / n
            t2, t3 = t * t, t * t * t
            out.append(tuple(
                0.5 * (2 * p1[c] + (-p0[c] + p2[c]) * t + (2 * p0[c] - 5 * p1[c] + 4 * p2[c] - p3[c]) * t2
                       + (-p0[c] + 3 * p1[c] - 3 * p2[c] + p3[c]) * t3)
                for c in (0, 1)))
    out.append(tuple(ctrl[-1]))
    return out


def offset(line, dists):
    """Offset a polyline to its left by dists[i] at vertex i (negative: to the right)."""
    out = []
    n = len(line)
    for i in range(n):
        normals = []
        for a, b in ((i - 1, i), (i, i + 1)):
            if 0 <= a and b < n:
                dx, dy = line[b][0] - line[a][0], line[b][1] - line[a][1]
                d = math.hypot(dx, dy)
                normals.append((-dy / d, dx / d))
        nx = sum(v[0] for v in normals)
        ny = sum(v[1] for v in normals)
        ln = math.hypot(nx, ny)
        nx, ny = nx / ln, ny / ln
        k = dists[i] / (nx * normals[0][0] + ny * normals[0][1])
        out.append((line[i][0] + nx * k, line[i][1] + ny * k))
    return out


def ring_ccw(pts):
    ring = list(pts)
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    if signed_area(ring) < 0:
        ring.reverse()
    return ring


def circle(cx, cy, radius_fn, n, a0=0.0):
    return [(cx + radius_fn(a0 + 2 * math.pi * k / n) * math.cos(a0 + 2 * math.pi * k / n),
             cy + radius_fn(a0 + 2 * math.pi * k / n) * math.sin(a0 + 2 * math.pi * k / n)) for k in range(n)]


class SegIndex:
    """Grid index of line segments for 'is anything within d of p' queries."""

    def __init__(self, lines, cell=40.0):
        self.cell = cell
        self.grid = {}
        for line in lines:
            for a, b in zip(line, line[1:]):
                for gx in range(math.floor(min(a[0], b[0]) / cell), math.floor(max(a[0], b[0]) / cell) + 1):
                    for gy in range(math.floor(min(a[1], b[1]) / cell), math.floor(max(a[1], b[1]) / cell) + 1):
                        self.grid.setdefault((gx, gy), []).append((a, b))

    def near(self, p, d):
        c = self.cell
        for gx in range(math.floor((p[0] - d) / c), math.floor((p[0] + d) / c) + 1):
            for gy in range(math.floor((p[1] - d) / c), math.floor((p[1] + d) / c) + 1):
                for a, b in self.grid.get((gx, gy), ()):
                    if dist_point_seg(p, a, b) < d:
                        return True
        return False


# ----------------------------------------------------------------------------
# Noding: a shared vertex at every crossing / touch of two lines
# ----------------------------------------------------------------------------

NODE_TOL = 0.02  # metres


def seg_touch_points(p, p2, q, q2):
    """Points where segments p-p2 and q-q2 meet (end points preferred)."""
    pts = []
    for e, (a, b) in ((p, (q, q2)), (p2, (q, q2)), (q, (p, p2)), (q2, (p, p2))):
        if dist_point_seg(e, a, b) < NODE_TOL:
            pts.append(e)
    if pts:
        return pts
    rx, ry = p2[0] - p[0], p2[1] - p[1]
    sx, sy = q2[0] - q[0], q2[1] - q[1]
    den = rx * sy - ry * sx
    if abs(den) < 1e-12:
        return []
    qx, qy = q[0] - p[0], q[1] - p[1]
    t = (qx * sy - qy * sx) / den
    u = (qx * ry - qy * rx) / den
    if 0 < t < 1 and 0 < u < 1:
        return [lerp(p, p2, t)]
    return []


def bbox(line, pad=0.0):
    xs = [p[0] for p in line]
    ys = [p[1] for p in line]
    return (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)


def boxes_meet(a, b):
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def node_all(lines, skip_pairs):
    """Insert a common vertex into both lines wherever two lines cross or touch, except
    for the index pairs in skip_pairs. Returns the new coordinate lists."""
    hits = []  # (line index, point)
    boxes = [bbox(l, NODE_TOL) for l in lines]
    for i in range(len(lines)):
        for j in range(i + 1, len(lines)):
            if (i, j) in skip_pairs or not boxes_meet(boxes[i], boxes[j]):
                continue
            a_line, b_line = lines[i], lines[j]
            for a in range(len(a_line) - 1):
                sa = bbox(a_line[a:a + 2], NODE_TOL)
                if not boxes_meet(sa, boxes[j]):
                    continue
                for b in range(len(b_line) - 1):
                    if not boxes_meet(sa, bbox(b_line[b:b + 2])):
                        continue
                    for pt in seg_touch_points(a_line[a], a_line[a + 1], b_line[b], b_line[b + 1]):
                        hits.append((i, pt))
                        hits.append((j, pt))
    # cluster meeting points to canonical coordinates
    canon = []
    grid = {}
    per_line = [[] for _ in lines]
    for li, pt in hits:
        key = (math.floor(pt[0]), math.floor(pt[1]))
        found = None
        for gx in (key[0] - 1, key[0], key[0] + 1):
            for gy in (key[1] - 1, key[1], key[1] + 1):
                for c in grid.get((gx, gy), ()):
                    if seg_len(c, pt) < NODE_TOL:
                        found = c
                        break
                if found:
                    break
            if found:
                break
        if found is None:
            found = pt
            canon.append(pt)
            grid.setdefault(key, []).append(pt)
        if found not in per_line[li]:
            per_line[li].append(found)
    out = []
    for li, line in enumerate(lines):
        coords = list(line)
        inserts = {}  # segment index -> [(t, point)]
        for c in per_line[li]:
            # snap to a vertex if one is close, else insert into the nearest segment
            vi = min(range(len(coords)), key=lambda k: seg_len(coords[k], c))
            if seg_len(coords[vi], c) < NODE_TOL:
                coords[vi] = c
                continue
            si = min(range(len(coords) - 1), key=lambda k: dist_point_seg(c, coords[k], coords[k + 1]))
            assert dist_point_seg(c, coords[si], coords[si + 1]) < NODE_TOL
            a, b = coords[si], coords[si + 1]
            t = ((c[0] - a[0]) * (b[0] - a[0]) + (c[1] - a[1]) * (b[1] - a[1])) / seg_len(a, b) ** 2
            inserts.setdefault(si, []).append((t, c))
        new = []
        for k in range(len(coords)):
            new.append(coords[k])
            for _, c in sorted(inserts.get(k, ())):
                new.append(c)
        dedup = [new[0]]
        for p in new[1:]:
            if p != dedup[-1]:
                dedup.append(p)
        out.append(dedup)
    return out


# ----------------------------------------------------------------------------
# The design
# ----------------------------------------------------------------------------

BOUNDARY = ring_ccw([(-1185, -870), (-300, -910), (700, -875), (1205, -845), (1240, 60),
                     (1170, 885), (150, 925), (-1160, 865), (-1220, -20)])

PARK = (390.0, 480.0, 690.0, 780.0)  # x0, y0, x1, y1: "Kuiwen Park", 300 m x 300 m
PARK_CENTRE = (540.0, 630.0)

roads = []   # dicts: kind, name, bridge, coords
rivers = []  # dicts: name, coords


def add_road(kind, name, coords, bridge=None):
    assert kind in ("primary", "secondary", "tertiary", "residential", "service", "footway")
    roads.append({"kind": kind, "name": name, "bridge": bridge, "coords": [tuple(p) for p in coords]})
    return roads[-1]["coords"]


def fit_boundary(line, e0, e1):
    """Trim a line that starts and/or ends outside the district so that it sticks out
    e0 / e1 metres beyond the boundary (0: ends exactly on it)."""
    xs = intersections(line, BOUNDARY)
    total = length(line)
    s0, p0, s1, p1 = 0.0, line[0], total, line[-1]
    if not inside(line[0], BOUNDARY):
        s0, p0 = xs[0][0] - e0, (xs[0][1] if e0 == 0 else None)
    if not inside(line[-1], BOUNDARY):
        s1, p1 = xs[-1][0] + e1, (xs[-1][1] if e1 == 0 else None)
    assert s0 >= 0 and s1 <= total, "line too short to extend beyond the boundary"
    return subline(line, s0, s1, p0, p1)


def ext_arterial():
    return float(rng.randrange(40, 95, 5))


def ext_local():
    return float(rng.choice([0, 0, 25, 30, 40, 50, 60]))


def fit(line):
    return fit_boundary(line, ext_local(), ext_local())


def fit_art(line):
    return fit_boundary(line, ext_arterial(), ext_arterial())


# --- rivers ------------------------------------------------------------------

bailang_full = smooth([(-450, -1120), (-410, -850), (-330, -640), (-280, -430), (-300, -220),
                       (-370, -20), (-425, 180), (-395, 380), (-320, 580), (-265, 780),
                       (-285, 1120)], 8)
bailang = fit_boundary(bailang_full, 150.0, 150.0)

# Yuhe Stream joins the Bailang River at the river vertex nearest to y = 255
confluence = min(bailang, key=lambda p: abs(p[1] - 255.0))
yuhe = fit_boundary(smooth([(-1340, 110), (-1150, 150), (-1000, 135), (-880, 185), (-760, 225),
                            (-650, 200), (-540, 240), confluence], 5), 110.0, 0.0)
assert yuhe[-1] == confluence

rivers.append({"name": "Bailang River", "coords": bailang})
rivers.append({"name": "Yuhe Stream", "coords": yuhe})

# --- arterials -----------------------------------------------------------------

weizhou = add_road("primary", "Weizhou Road", fit_art(smooth(
    [(-905, -1100), (-870, -600), (-830, -200), (-845, 200), (-885, 600), (-930, 1100)], 3)))
xinhua = add_road("secondary", "Xinhua Road", fit_art([(95, -1100), (118, 1100)]))
jiefang = add_road("primary", "Jiefang Road", fit_art([(952, -1100), (925, 1100)]))
dongfeng = add_road("primary", "Dongfeng Street", fit_art([(-1330, 395), (1330, 446)]))
shengli = add_road("secondary", "Shengli Road", fit_art([(-1330, -440), (1330, -412)]))

# riverside roads, 45 m either side of the river line
binhe_w = add_road("tertiary", "Binhe West Road", fit(offset(bailang_full, [45.0] * len(bailang_full))))
binhe_e = add_road("tertiary", "Binhe East Road", fit(offset(bailang_full, [-45.0] * len(bailang_full))))

# local streets: Gongnong Street runs east-west and bridges the river, the rest north-south
gongnong = add_road("tertiary", "Gongnong Street", fit([(-1330, -176), (1330, -158)]))
xiangyang = add_road("residential", "Xiangyang Street", fit([(-626, -1100), (-614, 1100)]))
wenhua = add_road("residential", "Wenhua Street", fit([(-116, -1100), (-104, 1100)]))
renmin = add_road("residential", "Renmin Street", fit([(378, -1100), (382, 1100)]))
guangming = add_road("residential", "Guangming Street", fit([(698, -1100), (703, 1100)]))

# local east-west streets; west of the river they end at Binhe West Road, east of it
# they start at Binhe East Road (only Dongfeng, Shengli and Gongnong bridge the river)
nanyuan = add_road("residential", "Nanyuan Street", fit(between([(-1330, -706), (-200, -694)], None, binhe_w)))
qingnian = add_road("residential", "Qingnian Street", fit(between([(-1330, 34), (-250, 46)], None, binhe_w)))
beiyuan = add_road("residential", "Beiyuan Street", fit(between([(-1330, 644), (-200, 656)], None, binhe_w)))
nanhuan = add_road("residential", "Nanhuan Street", fit(between([(-430, -696), (1330, -668)], binhe_e, None)))
minzhu = add_road("tertiary", "Minzhu Street", fit(between([(-430, 104), (1330, 121)], binhe_e, None)))
beihuan1 = add_road("residential", "Beihuan Street", between([(-430, 646), (600, 651)], binhe_e, renmin))
beihuan2 = add_road("residential", "Beihuan Street", fit(between([(600, 652), (1330, 662)], guangming, None)))

# Heping Road: a diagonal from Xinhua/Shengli to Jiefang/Dongfeng through two grid corners
add_road("secondary", "Heping Road", [crossing(xinhua, shengli), crossing(renmin, gongnong),
                                      crossing(guangming, minzhu), crossing(jiefang, dongfeng)])

# --- Kuiwen Park: footpath loop, pond, footbridge over Renmin Street -------------

loop = circle(PARK_CENTRE[0], PARK_CENTRE[1], lambda a: 100.0, 24)
loop_north = loop[0:13]            # 0..180 degrees
loop_south = loop[12:] + [loop[0]]  # 180..360 degrees
add_road("footway", None, loop_north)
add_road("footway", None, loop_south)
add_road("footway", None, between([loop[18], (540.0, 350.0)], None, dongfeng))  # south gate
add_road("footway", None, between([loop[0], (760.0, 630.0)], None, guangming))  # east gate
add_road("footway", None, [loop[6], (547.0, 752.0), (551.0, 768.0)])           # to the pavilion (cul-de-sac)
# footbridge: approach, the bridge itself (crosses Renmin Street, no shared vertex), approach
fb_west = (366.0, 560.0)
fb_east = (395.0, 560.0)
add_road("footway", None, between([(0.0, 560.0), fb_west], xinhua, None))
add_road("footway", "Kuiwen Park Footbridge", [fb_west, fb_east], bridge="yes")
FOOTBRIDGE_INDEX = len(roads) - 1
add_road("footway", None, between([fb_east, (520.0, 560.0)], None, loop_south))

# --- sparse alleys elsewhere ------------------------------------------------------

# compound service roads: two cul-de-sacs, one through road
add_road("service", None, between([(540, -380), (540, -520), (552, -600)], shengli, None))
add_road("service", None, between([(660, 560), (850, 560), (858, 600)], guangming, None))
add_road("service", "Donghu Lane", between([(920, -300), (1120, -300), (1120, -100)], jiefang, gongnong))
# a footway into the riverside block (cul-de-sac)
add_road("footway", None, between([(-90, -300), (-150, -304), (-185, -296)], wenhua, None))

# --- the old village quarter: dense irregular alleys -------------------------------

VILLAGE_ALLEY_NAMES = ["Hongqi Alley", "Zhangjia Alley", "Wangjia Alley", "Liujia Alley", "Qianjie Alley",
                       "Houjie Alley", "Dongxiang Alley", "Xixiang Alley", "Shuijing Alley", "Miaoqian Alley",
                       "Yangliu Alley", "Huaishu Alley", "Nanmen Alley", "Beimen Alley", "Chenjia Alley",
                       "Lijia Alley", "Zhaojia Alley", "Sunjia Alley"]
village_names = iter(VILLAGE_ALLEY_NAMES)


def min_gap(a, b):
    return min(min(dist_point_line(p, b) for p in a), min(dist_point_line(p, a) for p in b))


def ew_alley(west, east, y0, neighbours):
    """A wiggly east-west alley with a jog, at about y0, from line `west` to line `east`,
    at least 24 m from each of the `neighbours` lines."""
    for _ in range(200):
        xw, xe = x_at_y(west, y0), x_at_y(east, y0)
        slope = rng.uniform(-0.035, 0.035)
        jog_x, jog = rng.uniform(xw + 40.0, xe - 40.0), rng.uniform(-15.0, 15.0)
        pts = []
        x = xw - 30.0
        while x < xe + 30.0:
            pts.append((x, y0 + slope * (x - xw) + (jog if x > jog_x else 0.0) + rng.uniform(-6.0, 6.0)))
            x += rng.uniform(22.0, 40.0)
        pts.append((xe + 30.0, y0 + slope * (xe + 30.0 - xw) + jog))
        line = between(pts, west, east)
        if all(min_gap(line, n) >= 24.0 for n in neighbours):
            return line
    raise AssertionError("no room for a village alley at y=%.0f" % y0)


def ns_alley(lo, hi, x, x_top, dead_end=False):
    """A kinked north-south alley from line `lo` (at x) up to line `hi` (at x_top), or,
    for a cul-de-sac, from `lo` to about half way."""
    y_lo = y_at_x(lo, x)
    y_hi = y_at_x(hi, x_top)
    x_mid = 0.5 * (x + x_top) + rng.uniform(-8.0, 8.0)
    pts = [(x, y_lo - 10.0), (x_mid, 0.5 * (y_lo + y_hi) + rng.uniform(-6.0, 6.0)), (x_top, y_hi + 10.0)]
    if dead_end:
        line = between(pts, lo, None)
        return subline(line, 0.0, rng.uniform(0.45, 0.6) * length(line), line[0], None)
    return between(pts, lo, hi)


def village_block(west, east, south, north, yuhe_limit=False):
    """Alleys for the village block between the streets west/east/south and north (or,
    with yuhe_limit, the Yuhe Stream): wiggly east-west alleys, staggered north-south
    footways between them and cul-de-sacs."""
    y_ref = y_at_x(south, -620.0)
    xm = 0.5 * (x_at_y(west, y_ref) + x_at_y(east, y_ref))
    y_s = y_at_x(south, xm)
    if not yuhe_limit:
        y_n = y_at_x(north, xm)
        n = max(1, round((y_n - y_s) / 52.0) - 1)
        weights = [rng.uniform(0.75, 1.25) for _ in range(n + 1)]
        rows = [south]
        acc = 0.0
        for k in range(n):
            acc += weights[k]
            y0 = y_s + (y_n - y_s) * acc / sum(weights)
            neighbours = [rows[-1]] + ([north] if k == n - 1 else [])
            rows.append(add_road("service", next(village_names), ew_alley(west, east, y0, neighbours)))
        rows.append(north)
    else:
        # between a street and the stream: one alley, kept clear of the stream
        x0, x1 = x_at_y(west, y_s + 60.0), x_at_y(east, y_s + 60.0)
        y_top = min(y_at_x(yuhe, x0 + (x1 - x0) * k / 10.0) for k in range(11)) - 28.0
        y_mid = 0.5 * (y_s + y_top) + rng.uniform(-5.0, 5.0)
        rows = [south, add_road("service", next(village_names), ew_alley(west, east, y_mid, [south]))]
    dead_pair = rng.randrange(len(rows) - 1)
    touches = []  # x of the footways that meet the current lower line from below
    for r in range(len(rows) - 1):
        lo, hi = rows[r], rows[r + 1]
        ym = 0.5 * (y_at_x(lo, xm) + y_at_x(hi, xm))
        x_left, x_right = x_at_y(west, ym) + 24.0, x_at_y(east, ym) - 24.0
        slots = []
        x = x_left + rng.uniform(0.0, 20.0)
        while x < x_right:
            if all(abs(x - t) >= 10.0 for t in touches):
                x_top = min(x_right + 8.0, max(x_left - 8.0, x + rng.uniform(-24.0, 24.0)))
                if slots:  # footways of one row never cross or crowd each other
                    x_top = max(x_top, slots[-1][1] + 16.0)
                slots.append((x, x_top))
            x += rng.uniform(32.0, 72.0)
        dead = rng.randrange(len(slots)) if r == dead_pair and not yuhe_limit else -1
        touches = []
        for k, (x, x_top) in enumerate(slots):
            add_road("footway", None, ns_alley(lo, hi, x, x_top, dead_end=(k == dead)))
            if k != dead:
                touches.append(x_top)
    if yuhe_limit:
        # two cul-de-sacs from the alley towards the stream, ending 28-36 m short of it
        top = rows[-1]
        ym = y_at_x(top, xm) + 20.0
        x_left, x_right = x_at_y(west, ym) + 25.0, x_at_y(east, ym) - 25.0
        for k in range(2):
            x = x_left + (x_right - x_left) * (k + 0.5 + rng.uniform(-0.2, 0.2)) / 2
            y_end = min(y_at_x(yuhe, x + dx) for dx in (-20.0, 0.0, 20.0)) - 28.0 - rng.uniform(0.0, 8.0)
            line = between([(x, y_at_x(top, x) - 10.0), (x + rng.uniform(-6.0, 6.0), y_end)], top, None)
            add_road("footway", None, line)


for west_line, east_line in ((weizhou, xiangyang), (xiangyang, binhe_w)):
    village_block(west_line, east_line, shengli, gongnong)
    village_block(west_line, east_line, gongnong, qingnian)
    village_block(west_line, east_line, qingnian, None, yuhe_limit=True)

# The village polygon: Weizhou Road, Yuhe Stream, Binhe West Road, Shengli Road
_w = between(weizhou, shengli, yuhe)
_n = between(yuhe, weizhou, binhe_w)
_e = between(binhe_w, shengli, yuhe)
_s = between(shengli, weizhou, binhe_w)
VILLAGE = ring_ccw(_w + _n[1:] + list(reversed(_e))[1:] + list(reversed(_s))[1:])

# --- noding --------------------------------------------------------------------

all_lines = [r["coords"] for r in roads] + [r["coords"] for r in rivers]
renmin_index = next(i for i, r in enumerate(roads) if r["name"] == "Renmin Street")
noded = node_all(all_lines, {tuple(sorted((FOOTBRIDGE_INDEX, renmin_index)))})
for r, c in zip(roads + rivers, noded):
    r["coords"] = c

# --- water areas -----------------------------------------------------------------

_xs = intersections(bailang_full, BOUNDARY)
_band_line = subline(bailang_full, _xs[0][0] - 60.0, _xs[-1][0] + 60.0)
_cum = [0.0]
for _i in range(1, len(_band_line)):
    _cum.append(_cum[-1] + seg_len(_band_line[_i - 1], _band_line[_i]))
_half = [0.5 * (50.0 + 8.0 * math.sin(s / 170.0)) for s in _cum]
water = [
    {"name": "Bailang River",
     "ring": ring_ccw(offset(_band_line, _half) + list(reversed(offset(_band_line, [-h for h in _half]))))},
    {"name": "Kuiwen Park Pond",
     "ring": ring_ccw(circle(545.0, 640.0, lambda a: 34.0 + 6.0 * math.sin(3 * a) + 3.0 * math.cos(5 * a), 20))},
]

# --- households --------------------------------------------------------------------

road_index = SegIndex([r["coords"] for r in roads])
bailang_index = SegIndex([bailang])
yuhe_index = SegIndex([yuhe])
boundary_index = SegIndex([BOUNDARY])

COMPOUNDS = [  # x0, y0, x1, y1, dx, dy: a regular grid of buildings; households per building
    (-840.0, 440.0, -640.0, 640.0, 76.0, 60.0, 50, 90),     # north-west, Weizhou/Xiangyang
    (-590.0, 440.0, -360.0, 640.0, 76.0, 60.0, 50, 90),     # north-west, by the river
    (-95.0, -870.0, 80.0, -450.0, 72.0, 64.0, 50, 110),     # south, Wenhua/Xinhua
    (400.0, -870.0, 680.0, -450.0, 76.0, 62.0, 50, 100),    # south, Renmin/Guangming
    (970.0, -400.0, 1215.0, 90.0, 92.0, 80.0, 150, 300),    # east, Jiefang: towers
    (720.0, 450.0, 930.0, 880.0, 76.0, 62.0, 60, 150),      # north-east, Guangming/Jiefang
    (-95.0, 450.0, 360.0, 640.0, 74.0, 60.0, 50, 110),      # north, Wenhua/Renmin
]


def in_rect(p, r, pad=0.0):
    return r[0] - pad <= p[0] <= r[2] + pad and r[1] - pad <= p[1] <= r[3] + pad


def allowed(p, road_clear):
    """Inside the district, clear of roads, rivers, water and the park."""
    return (inside(p, BOUNDARY) and not boundary_index.near(p, 6.0)
            and not road_index.near(p, road_clear)
            and not bailang_index.near(p, 50.0) and not yuhe_index.near(p, 15.0)
            and not any(inside(p, w["ring"]) for w in water)
            and not in_rect(p, PARK, 5.0))


village_pts = []  # (point, households)
y = min(p[1] for p in VILLAGE)
while y < max(p[1] for p in VILLAGE):
    x = min(p[0] for p in VILLAGE)
    while x < max(p[0] for p in VILLAGE):
        p = (x + rng.uniform(-3.0, 3.0), y + rng.uniform(-3.0, 3.0))
        occupied = rng.random() < 0.86
        hh = rng.choices((1, 2, 3), weights=(50, 35, 15))[0]
        if occupied and inside(p, VILLAGE) and allowed(p, 3.5):
            village_pts.append((p, hh))
        x += 10.5
    y += 10.5

compound_pts = []
for (x0, y0, x1, y1, dx, dy, lo, hi) in COMPOUNDS:
    y = y0 + dy / 2
    while y < y1:
        x = x0 + dx / 2
        while x < x1:
            p = (x + rng.uniform(-3.0, 3.0), y + rng.uniform(-2.0, 2.0))
            size = rng.uniform(lo, hi)
            if allowed(p, 18.0) and not inside(p, VILLAGE):
                compound_pts.append((p, size))
            x += dx
        y += dy

mixed_pts = []
_taken = {}  # 10 m grid of accepted mixed points, to keep them 9 m apart


def _free(p):
    gx, gy = math.floor(p[0] / 10.0), math.floor(p[1] / 10.0)
    return all(seg_len(p, q) >= 9.0 for cx in (gx - 1, gx, gx + 1) for cy in (gy - 1, gy, gy + 1)
               for q in _taken.get((cx, cy), ()))


for r in roads:
    if r["kind"] in ("service", "footway"):
        continue
    line = r["coords"]
    total = length(line)
    s = rng.uniform(0.0, 10.0)
    while s < total:
        a = point_at(line, s)
        a0, a1 = point_at(line, s - 0.5), point_at(line, s + 0.5)
        d = seg_len(a0, a1)
        nx, ny = -(a1[1] - a0[1]) / d, (a1[0] - a0[0]) / d
        for side in (-1.0, 1.0):
            if rng.random() >= 0.3:
                continue
            off = side * rng.uniform(15.0, 24.0)
            p = (a[0] + nx * off, a[1] + ny * off)
            hh = rng.choice((1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 8))
            if (allowed(p, 10.0) and not inside(p, VILLAGE)
                    and not any(in_rect(p, c, 15.0) for c in COMPOUNDS) and _free(p)):
                mixed_pts.append((p, hh))
                _taken.setdefault((math.floor(p[0] / 10.0), math.floor(p[1] / 10.0)), []).append(p)
        s += rng.uniform(14.0, 22.0)

# compound buildings: scale their sizes so that the district holds exactly the total
inside_target = HOUSEHOLDS_TOTAL - sum(OUTSIDE_HOUSEHOLDS)
compound_target = inside_target - sum(h for _, h in village_pts) - sum(h for _, h in mixed_pts)
base = 50 * len(compound_pts)
scale = (compound_target - base) / (sum(s for _, s in compound_pts) - base)
assert 0.6 < scale < 1.5, scale
sizes = [max(50, min(300, int(round(50 + (s - 50) * scale)))) for _, s in compound_pts]
k = 0
while sum(sizes) != compound_target:
    step = 1 if sum(sizes) < compound_target else -1
    if 50 <= sizes[k % len(sizes)] + step <= 300:
        sizes[k % len(sizes)] += step
    k += 1
    assert k < 100000, "cannot reach the household total"
compound_pts = [(p, h) for (p, _), h in zip(compound_pts, sizes)]

# five points just outside the boundary: (edge index, position along it, metres out)
outside_pts = []
for (edge, t, out_m), hh in zip([(0, 0.30, 18.0), (2, 0.35, 25.0), (3, 0.30, 30.0), (5, 0.60, 20.0),
                                 (6, 0.50, 35.0)], OUTSIDE_HOUSEHOLDS):
    a, b = BOUNDARY[edge], BOUNDARY[edge + 1]
    d = seg_len(a, b)
    base = lerp(a, b, t)
    p = (base[0] + (b[1] - a[1]) / d * out_m, base[1] - (b[0] - a[0]) / d * out_m)  # right = outward (CCW ring)
    assert not inside(p, BOUNDARY) and not road_index.near(p, 8.0) and not bailang_index.near(p, 50.0)
    outside_pts.append((p, hh))

# order: 100 m strips from south to north, west to east inside each; the outside ones last
households = sorted(village_pts + compound_pts + mixed_pts,
                    key=lambda ph: (math.floor(ph[0][1] / 100.0), ph[0][0])) + outside_pts


# ----------------------------------------------------------------------------
# Output
# ----------------------------------------------------------------------------

def lonlat(p):
    return [round(LON0 + p[0] / M_PER_DEG_LON, 7), round(LAT0 + p[1] / M_PER_DEG_LAT, 7)]


def metric(ll):
    return ((ll[0] - LON0) * M_PER_DEG_LON, (ll[1] - LAT0) * M_PER_DEG_LAT)


def feature(fid, props, gtype, coords):
    return {"type": "Feature", "id": fid, "properties": props, "geometry": {"type": gtype, "coordinates": coords}}


def write_collection(name, features):
    parts = ['{"type":"FeatureCollection","features":[']
    for i, f in enumerate(features):
        sep = "," if i + 1 < len(features) else ""
        parts.append(json.dumps(f, separators=(",", ":"), ensure_ascii=False) + sep)
    parts.append("]}")
    with open(os.path.join(OUT_DIR, name), "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(parts) + "\n")


DISTRICT_JSON = """{
  // Small hand-made sample district for the README demo
  "boundary": {"path": "boundary.geojson"},
  "barriers": [
    {"path": "roads.geojson", "class_field": "kind", "name_field": "name",
     "class_map": {"primary": "road", "secondary": "road", "tertiary": "street", "residential": "street", "service": "alley", "footway": "alley"}},
    {"path": "rivers.geojson", "class": "river", "name_field": "name"}
  ],
  "water": [{"path": "water.geojson"}],
  "households": {"path": "households.geojson", "count_field": "households"}
}
"""

boundary_f = [feature(1, {"name": "Kuiwen sample district"}, "Polygon", [[lonlat(p) for p in BOUNDARY]])]
road_f = [feature(i + 1, {"kind": r["kind"], "name": r["name"], "bridge": r["bridge"]}, "LineString",
                  [lonlat(p) for p in r["coords"]]) for i, r in enumerate(roads)]
river_f = [feature(i + 1, {"name": r["name"]}, "LineString", [lonlat(p) for p in r["coords"]])
           for i, r in enumerate(rivers)]
water_f = [feature(i + 1, {"name": w["name"]}, "Polygon", [[lonlat(p) for p in w["ring"]]])
           for i, w in enumerate(water)]
household_f = [feature(i + 1, {"households": int(h)}, "Point", lonlat(p)) for i, (p, h) in enumerate(households)]


# ----------------------------------------------------------------------------
# Self-checks on the rounded output coordinates
# ----------------------------------------------------------------------------

def check():
    rounded = [[metric(ll) for ll in f["geometry"]["coordinates"]] for f in road_f + river_f]
    labels = [("road", f["id"], f["properties"]["name"], f["properties"]["kind"]) for f in road_f] + \
             [("river", f["id"], f["properties"]["name"], "river") for f in river_f]
    vertex_sets = [set(map(tuple, f["geometry"]["coordinates"])) for f in road_f + river_f]
    boundary_m = [metric(ll) for ll in boundary_f[0]["geometry"]["coordinates"][0]]

    # 1. every meeting of two lines is a shared vertex, except the footbridge
    boxes = [bbox(l, 0.01) for l in rounded]
    unnoded, river_crossings = [], set()
    for i in range(len(rounded)):
        for j in range(i + 1, len(rounded)):
            if not boxes_meet(boxes[i], boxes[j]):
                continue
            for a in range(len(rounded[i]) - 1):
                p, p2 = rounded[i][a], rounded[i][a + 1]
                for b in range(len(rounded[j]) - 1):
                    q, q2 = rounded[j][b], rounded[j][b + 1]
                    for pt in seg_touch_points(p, p2, q, q2):
                        shared = any(seg_len(pt, metric(v)) < 1e-6 for v in vertex_sets[i] & vertex_sets[j])
                        if not shared:
                            unnoded.append((labels[i], labels[j]))
                        elif (labels[i][0] == "river") != (labels[j][0] == "river"):
                            river_crossings.add((labels[i][2], labels[j][2], tuple(round(c, 1) for c in pt)))
    assert unnoded == [(labels[FOOTBRIDGE_INDEX], labels[renmin_index])] or \
        unnoded == [(labels[renmin_index], labels[FOOTBRIDGE_INDEX])], unnoded
    bridges = sorted(set((a, b) for a, b, _ in river_crossings))
    assert len(river_crossings) == len(bridges) == 6, river_crossings

    # 2. dead ends: line ends inside the district that meet no other line
    dead = []
    for i, f in enumerate(road_f + river_f):
        cs = f["geometry"]["coordinates"]
        for end in (cs[0], cs[-1]):
            if any(tuple(end) in vertex_sets[k] for k in range(len(vertex_sets)) if k != i):
                continue
            pm = metric(end)
            if not inside(pm, boundary_m) or dist_point_line(pm, boundary_m) < 0.05:
                continue
            dead.append(labels[i])
    assert all(d[3] in ("service", "footway") for d in dead), dead

    # 3. households
    inside_hh = outside_hh = outside_n = 0
    for f in household_f:
        pm = metric(f["geometry"]["coordinates"])
        if inside(pm, boundary_m):
            inside_hh += f["properties"]["households"]
        else:
            outside_hh += f["properties"]["households"]
            outside_n += 1
        assert not in_rect(pm, PARK)
        assert all(not inside(pm, [metric(ll) for ll in w["geometry"]["coordinates"][0]]) for w in water_f)
    assert (outside_n, outside_hh) == (5, 37)
    return bridges, dead, inside_hh, outside_hh


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    bridges, dead, inside_hh, outside_hh = check()
    write_collection("boundary.geojson", boundary_f)
    write_collection("roads.geojson", road_f)
    write_collection("rivers.geojson", river_f)
    write_collection("water.geojson", water_f)
    write_collection("households.geojson", household_f)
    with open(os.path.join(OUT_DIR, "district.json"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(DISTRICT_JSON)

    kinds = {}
    for r in roads:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print("wrote %s" % OUT_DIR)
    print("roads: %d features %s" % (len(roads), dict(sorted(kinds.items()))))
    print("rivers: %d, water areas: %d" % (len(rivers), len(water)))
    print("bridges over rivers: %s" % "; ".join("%s / %s" % b for b in bridges))
    print("footbridge: roads.geojson id %d (crosses Renmin Street without a shared vertex)" % (FOOTBRIDGE_INDEX + 1))
    print("dead ends: %d (%s)" % (len(dead), ", ".join("id %d" % d[1] for d in dead)))
    print("household points: %d (village %d, compounds %d, mixed %d, outside %d)"
          % (len(households), len(village_pts), len(compound_pts), len(mixed_pts), len(outside_pts)))
    print("households: %d inside + %d outside = %d; village %d, compounds %d (%d-%d per building), mixed %d"
          % (inside_hh, outside_hh, inside_hh + outside_hh, sum(h for _, h in village_pts),
             sum(h for _, h in compound_pts), min(h for _, h in compound_pts), max(h for _, h in compound_pts),
             sum(h for _, h in mixed_pts)))


if __name__ == "__main__":
    sys.exit(main())
