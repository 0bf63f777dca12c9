#include "io/detail/coast.hpp"

#include "gridplan/core/error.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <cmath>

namespace gridplan::io::detail {

namespace {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using Point = bg::model::d2::point_xy<double>;
using Box = bg::model::box<Point>;

/// How far beside a coastline segment its land and sea sides are probed.
constexpr double probe_offset_m = 0.05;

LandResult finish(const GEOSGeometry* district, wrap::GeomPtr land, const wrap::GeosContext& geos) {
    if (!geos.is_valid(land.get())) {
        int dropped = 0;
        land = geos.make_valid_polygonal(land.get(), dropped);
    }
    int dropped = 0;
    land = geos.polygonal_part(land.get(), dropped);
    LandResult r;
    r.sea_removed_m2 = std::max(0.0, geos.area(district) - geos.area(land.get()));
    r.land = std::move(land);
    return r;
}

} // namespace

LandResult land_by_coastlines(const GEOSGeometry* district, const std::vector<const GEOSGeometry*>& coastlines,
                              const wrap::GeosContext& geos) {
    if (coastlines.empty()) {
        return LandResult{geos.clone(district), 0.0};
    }
    // Node the outline with the coastlines and polygonize: the faces of the district cut
    // along every coastline that crosses it (or closes on itself inside it).
    std::vector<const GEOSGeometry*> lines{};
    wrap::GeomPtr outline = geos.own(GEOSBoundary_r(geos.handle(), district), "district outline");
    lines.push_back(outline.get());
    for (const auto* c : coastlines) {
        lines.push_back(c);
    }
    wrap::GeomPtr noded = geos.union_of(lines, "node coastlines");
    const GEOSGeometry* noded_raw = noded.get();
    wrap::GeomPtr faces = geos.own(GEOSPolygonize_r(geos.handle(), &noded_raw, 1), "polygonize coast");
    wrap::PreparedPtr inside = geos.prepare(district);
    std::vector<wrap::GeomPtr> kept;
    const int n = GEOSGetNumGeometries_r(geos.handle(), faces.get());
    for (int i = 0; i < n; ++i) {
        const GEOSGeometry* f = GEOSGetGeometryN_r(geos.handle(), faces.get(), i);
        double x = 0.0;
        double y = 0.0;
        geos.point_on_surface(f, x, y);
        wrap::GeomPtr p = geos.point(x, y);
        if (geos.check_bool(GEOSPreparedIntersects_r(geos.handle(), inside.get(), p.get()), "face in district")) {
            kept.push_back(geos.clone(f));
        }
    }
    if (kept.empty()) {
        return LandResult{geos.clone(district), 0.0};
    }
    std::vector<std::pair<Box, std::size_t>> boxes;
    std::vector<wrap::PreparedPtr> prepared;
    for (std::size_t i = 0; i < kept.size(); ++i) {
        double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        geos.bounds(kept[i].get(), x0, y0, x1, y1);
        boxes.emplace_back(Box{Point{x0, y0}, Point{x1, y1}}, i);
        prepared.push_back(geos.prepare(kept[i].get()));
    }
    const bgi::rtree<std::pair<Box, std::size_t>, bgi::rstar<16>> tree{boxes.begin(), boxes.end()};
    auto face_at = [&](double x, double y) -> std::ptrdiff_t {
        wrap::GeomPtr p;
        for (auto it = tree.qbegin(bgi::intersects(Point{x, y})); it != tree.qend(); ++it) {
            if (!p) {
                p = geos.point(x, y);
            }
            if (geos.check_bool(GEOSPreparedContains_r(geos.handle(), prepared[it->second].get(), p.get()),
                                "point in face")) {
                return static_cast<std::ptrdiff_t>(it->second);
            }
        }
        return -1;
    };
    // Each coastline segment votes, by its length, for land on its left and sea on its right.
    std::vector<double> votes(kept.size(), 0.0);
    std::vector<double> xy;
    for (const auto* c : coastlines) {
        const int parts = GEOSGetNumGeometries_r(geos.handle(), c);
        for (int k = 0; k < parts; ++k) {
            xy.clear();
            geos.coordinates(GEOSGetGeometryN_r(geos.handle(), c, k), xy);
            for (std::size_t i = 0; i + 3 < xy.size(); i += 2) {
                const double dx = xy[i + 2] - xy[i];
                const double dy = xy[i + 3] - xy[i + 1];
                const double len = std::hypot(dx, dy);
                if (len <= 4.0 * probe_offset_m) {
                    continue;
                }
                const double mx = 0.5 * (xy[i] + xy[i + 2]);
                const double my = 0.5 * (xy[i + 1] + xy[i + 3]);
                const double nx = -dy / len * probe_offset_m;
                const double ny = dx / len * probe_offset_m;
                const auto left = face_at(mx + nx, my + ny);
                const auto right = face_at(mx - nx, my - ny);
                if (left == right) {
                    continue;  // a coastline piece that closes nothing
                }
                if (left >= 0) {
                    votes[static_cast<std::size_t>(left)] += len;
                }
                if (right >= 0) {
                    votes[static_cast<std::size_t>(right)] -= len;
                }
            }
        }
    }
    std::vector<wrap::GeomPtr> land;
    for (std::size_t i = 0; i < kept.size(); ++i) {
        if (votes[i] >= 0.0) {
            land.push_back(std::move(kept[i]));
        }
    }
    if (land.empty()) {
        throw InputError{"the whole district lies in the sea by its coastlines (land is on the left of a "
                         "natural=coastline way); check the district or the coastlines' direction",
                         "coastline"};
    }
    std::vector<const GEOSGeometry*> raw;
    for (const auto& l : land) {
        raw.push_back(l.get());
    }
    return finish(district, geos.union_of(raw, "union of land"), geos);
}

LandResult land_by_polygons(const GEOSGeometry* district, const std::vector<const GEOSGeometry*>& land,
                            const std::vector<const GEOSGeometry*>& sea, const wrap::GeosContext& geos) {
    wrap::GeomPtr result = geos.clone(district);
    if (!land.empty()) {
        wrap::GeomPtr u = geos.union_of(land, "union of land layers");
        result = geos.own(GEOSIntersection_r(geos.handle(), result.get(), u.get()), "district and land");
    }
    if (!sea.empty()) {
        wrap::GeomPtr u = geos.union_of(sea, "union of sea layers");
        result = geos.own(GEOSDifference_r(geos.handle(), result.get(), u.get()), "district less sea");
    }
    LandResult r = finish(district, std::move(result), geos);
    if (geos.is_empty(r.land.get()) || geos.area(r.land.get()) <= 0.0) {
        throw InputError{"no land left in the district once the land / sea layers are applied", "land"};
    }
    return r;
}

} // namespace gridplan::io::detail
