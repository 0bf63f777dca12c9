#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_district (corpus/fuzz_district/*.bin) in the byte layout
that fuzz_district_body.cpp decodes: flags, boundary, lines, households, [water], [centres].
Coordinates are grid steps from -128 to 127 around 119.1E 36.7N."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "fuzz_district")
CLASS = {"river": 0, "road": 1, "street": 2, "alley": 3}


def b(v):
    return (v + 128) & 0xFF


def seed(flags, boundary, lines=(), households=(), water=None, centres=None):
    out = [flags, len(boundary) - 3]
    for x, y in boundary:
        out += [b(x), b(y)]
    out.append(len(lines))
    for pts, cls, extra in lines:
        out.append((len(pts) - 2) | (CLASS[cls] << 2) | extra)
        for x, y in pts:
            out += [b(x), b(y)]
    out.append(len(households))
    for x, y, c in households:
        out += [b(x), b(y), c - 1]
    if water is not None:
        out.append(len(water) - 3)
        for x, y in water:
            out += [b(x), b(y)]
    if centres is not None:
        out.append(len(centres))
        for x, y in centres:
            out += [b(x), b(y)]
    return bytes(out)


BRIDGE, TUNNEL, LAYER1, FOOT_NO = 16, 32, 64, 128
square = [(-100, -100), (100, -100), (100, 100), (-100, 100)]
grid_households = [(x, y, 30) for x in (-70, -20, 30, 80) for y in (-70, -20, 30, 80)]
cross = [([(-120, 0), (120, 0)], "road", 0), ([(0, -120), (0, 120)], "street", 0),
         ([(-120, 50), (-40, 50), (40, 55), (120, 50)], "alley", 0)]

seeds = {
    # Flags: bits 0-1 step (10, 4, 1, 0.05 m), 4 water, 8 centres, 16/32 households a
    # grid (50, 20, 120, 500), 64 tolerance 0.4, 128 a 3-minute walk.
    "square_cross": seed(0, square, cross, grid_households),
    "square_cross_centres": seed(8, square, cross, grid_households, centres=[(-50, -50), (50, 50), (60, -60)]),
    "river_bridge_lake": seed(4 | 8, square,
                              [([(-120, -10), (-30, 0), (30, -5), (120, 10)], "river", 0),
                               ([(0, -120), (0, 120)], "road", BRIDGE),
                               ([(-60, -120), (-60, 120)], "street", 0)],
                              grid_households, water=[(-120, -20), (120, -20), (120, 20), (-120, 20)],
                              centres=[(-50, 50)]),
    "triangle_few": seed(1 | 32, [(-50, -50), (60, -40), (0, 70)], [], [(0, 0, 10), (10, 10, 5)]),
    "bowtie_boundary": seed(0, [(-80, -80), (80, 80), (80, -80), (-80, 80)], cross[:2], grid_households),
    "fine_step": seed(3, square, cross, grid_households),
    "tunnel_layer_foot": seed(2 | 64 | 128, square,
                              [([(-120, 0), (120, 0)], "road", TUNNEL), ([(0, -120), (0, 120)], "road", LAYER1),
                               ([(-120, -60), (120, -60)], "alley", FOOT_NO)],
                              grid_households),
    "one_spot": seed(16, square, cross, [(10, 10, 50)] * 12),
    "outside_households": seed(0, [(-30, -30), (30, -30), (30, 30), (-30, 30)], cross,
                               [(0, 10, 20), (-10, -10, 20), (90, 90, 20), (-120, 5, 20)]),
    "dense_streets": seed(48, [(-100, -100), (100, -100), (100, 100), (0, 127), (-100, 100)],
                          [([(x, -128), (x, 127)], "street", 0) for x in (-60, -20, 20, 60)] +
                          [([(-128, y), (127, y)], "alley", 0) for y in (-50, 0, 50)] +
                          [([(-127, -127), (127, 127)], "road", 0)],
                          [(x, y, 49) for x in (-80, -40, 0, 40, 80) for y in (-75, -25, 25, 75)][:39]),
}

os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name + ".bin"), "wb") as f:
        f.write(data)
print(f"wrote {len(seeds)} seeds to {OUT}")
