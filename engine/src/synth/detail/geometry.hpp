#pragma once
// Planar geometry for the generator, in a local metric frame (metres from the district
// centre): points, polylines, offsets, crossings, and noding a set of lines so that
// every crossing and touch is a shared vertex. GEOS does the polygon work.

#include "gridplan/wrap/geos.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace gridplan::synth::detail {

struct Vec2 {
    double x = 0.0;
    double y = 0.0;
};

inline Vec2 operator+(Vec2 a, Vec2 b) noexcept {
    return {a.x + b.x, a.y + b.y};
}
inline Vec2 operator-(Vec2 a, Vec2 b) noexcept {
    return {a.x - b.x, a.y - b.y};
}
inline Vec2 operator*(Vec2 a, double s) noexcept {
    return {a.x * s, a.y * s};
}
inline Vec2 operator*(double s, Vec2 a) noexcept {
    return {a.x * s, a.y * s};
}
inline double dot(Vec2 a, Vec2 b) noexcept {
    return a.x * b.x + a.y * b.y;
}
inline double cross(Vec2 a, Vec2 b) noexcept {
    return a.x * b.y - a.y * b.x;
}
inline double norm(Vec2 a) noexcept {
    return std::hypot(a.x, a.y);
}
inline double dist(Vec2 a, Vec2 b) noexcept {
    return norm(a - b);
}
inline Vec2 lerp(Vec2 a, Vec2 b, double t) noexcept {
    return {a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t};
}
inline Vec2 left_of(Vec2 d) noexcept {
    return {-d.y, d.x};
}
inline Vec2 unit(Vec2 a) noexcept {
    const double n = norm(a);
    return n > 0.0 ? Vec2{a.x / n, a.y / n} : Vec2{1.0, 0.0};
}
inline Vec2 from_angle(double a) noexcept {
    return {std::cos(a), std::sin(a)};
}

using Polyline = std::vector<Vec2>;

double polyline_length(const Polyline& line) noexcept;
/// The point at arc length s (clamped to the line).
Vec2 point_along(const Polyline& line, double s) noexcept;
/// Unit left normals at each vertex (averaged over the adjacent segments).
std::vector<Vec2> vertex_normals(const Polyline& line);
/// Each vertex moved along its normal by d[i] (left positive).
Polyline offset_polyline(const Polyline& line, const std::vector<Vec2>& normals, const std::vector<double>& d);
/// Resampled at about `step` metres, keeping the end points.
Polyline resample(const Polyline& line, double step);

/// Distance from p to segment ab; `t` receives the parameter of the nearest point.
double point_segment_distance(Vec2 p, Vec2 a, Vec2 b, double& t) noexcept;
double point_polyline_distance(Vec2 p, const Polyline& line) noexcept;

/// Where segments ab and cd cross (t along ab, u along cd, both in [0, 1]); false if
/// they do not meet or are parallel.
bool segment_crossing(Vec2 a, Vec2 b, Vec2 c, Vec2 d, double& t, double& u) noexcept;

/// A position on a polyline: segment and fraction along it, and the point itself.
struct LinePos {
    std::size_t seg = 0;
    double t = 0.0;
    Vec2 p;
};
inline bool before(const LinePos& a, const LinePos& b) noexcept {
    return a.seg < b.seg || (a.seg == b.seg && a.t < b.t);
}
LinePos start_of(const Polyline& line) noexcept;
LinePos end_of(const Polyline& line) noexcept;
/// Arc length of a position.
double arc_of(const Polyline& line, const LinePos& pos) noexcept;
/// Where `line` crosses `other`, sorted along `line`.
std::vector<LinePos> crossings(const Polyline& line, const Polyline& other);
/// The part of `line` from `a` to `b` (a before b), with the exact end points.
Polyline cut(const Polyline& line, const LinePos& a, const LinePos& b);

/// Nodes the lines together: wherever two lines cross, or an end or vertex of one lies on
/// another (within `tolerance`), that point becomes a vertex of both, with the same
/// coordinates. Returns, per line and vertex, 1 where another line meets it.
std::vector<std::vector<std::uint8_t>> node_lines(const std::vector<Polyline*>& lines, double tolerance);

// --- GEOS -------------------------------------------------------------------------

wrap::GeomPtr make_line(const wrap::GeosContext& geos, const Polyline& line, Vec2 shift = {});
/// A polygon from one ring (closed here if open).
wrap::GeomPtr make_polygon(const wrap::GeosContext& geos, const Polyline& ring, Vec2 shift = {});
wrap::GeomPtr make_point(const wrap::GeosContext& geos, Vec2 p, Vec2 shift = {});
/// A copy moved by d.
wrap::GeomPtr shifted(const wrap::GeosContext& geos, const GEOSGeometry* g, Vec2 d);
/// Every LineString inside g.
std::vector<Polyline> line_parts(const wrap::GeosContext& geos, const GEOSGeometry* g);
/// Copies of every Polygon inside g with an area of at least `min_area`.
std::vector<wrap::GeomPtr> polygon_parts(const wrap::GeosContext& geos, const GEOSGeometry* g, double min_area = 0.0);
/// The exterior ring of a polygon, closed.
Polyline exterior_ring(const wrap::GeosContext& geos, const GEOSGeometry* polygon);
/// The pieces of `line` inside `area` (merged where they continue each other).
std::vector<Polyline> clip_line(const wrap::GeosContext& geos, const GEOSGeometry* area,
                                const GEOSPreparedGeometry* prepared, const Polyline& line);
/// Faces enclosed by the lines (noded here), as polygons.
std::vector<wrap::GeomPtr> polygonize(const wrap::GeosContext& geos, std::vector<wrap::GeomPtr>& lines);
wrap::GeomPtr buffer(const wrap::GeosContext& geos, const GEOSGeometry* g, double d, int quadsegs = 4);
bool contains(const wrap::GeosContext& geos, const GEOSPreparedGeometry* prepared, Vec2 p);
Vec2 inside_point(const wrap::GeosContext& geos, const GEOSGeometry* polygon);
Vec2 centroid(const wrap::GeosContext& geos, const GEOSGeometry* g);

} // namespace gridplan::synth::detail
