// The district an OSM extract gives without --boundary: the administrative boundary that
// holds most residential buildings (not lines), else the outline of the built-up area; and
// the sea taken out of it (coastlines, land / sea layers). Small OSM XML fixtures written
// here, read through GDAL's OSM driver.
#include "support/fixtures.hpp"

#include "io/detail/coast.hpp"
#include "gridplan/blocks/blocks.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/io/district.hpp"

#include <catch2/catch.hpp>

#include <iomanip>
#include <sstream>

using namespace gridplan;

namespace {

/// An OSM XML file built node by node.
class OsmXml {
public:
    OsmXml() { m_nodes << std::setprecision(10); }

    /// A way through the given lon/lat points, with tags; closed when the last point
    /// repeats the first.
    void way(const std::vector<std::pair<double, double>>& points,
             const std::vector<std::pair<std::string, std::string>>& tags) {
        std::ostringstream w;
        w << "  <way id=\"" << ++m_way << "\" version=\"1\">\n";
        std::int64_t first = 0;
        for (std::size_t i = 0; i < points.size(); ++i) {
            const bool closing = i + 1 == points.size() && i > 0 && points[i] == points.front();
            std::int64_t id = first;
            if (!closing) {
                id = ++m_node;
                m_nodes << "  <node id=\"" << id << "\" version=\"1\" lat=\"" << points[i].second << "\" lon=\""
                        << points[i].first << "\"/>\n";
            }
            if (i == 0) {
                first = id;
            }
            w << "    <nd ref=\"" << id << "\"/>\n";
        }
        for (const auto& [k, v] : tags) {
            w << "    <tag k=\"" << k << "\" v=\"" << v << "\"/>\n";
        }
        w << "  </way>\n";
        m_ways << w.str();
    }

    void box(double x0, double y0, double x1, double y1, const std::vector<std::pair<std::string, std::string>>& tags) {
        way({{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}, tags);
    }

    std::string text() const {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<osm version=\"0.6\" generator=\"test\">\n" +
               m_nodes.str() + m_ways.str() + "</osm>\n";
    }

private:
    std::ostringstream m_nodes;
    std::ostringstream m_ways;
    std::int64_t m_node = 0;
    std::int64_t m_way = 0;
};

/// A grid of streets over lon 119.000-119.060, lat 36.700-36.740 (about 5.4 x 4.4 km)
/// and 30 houses in its east end (lon 119.050-119.058), 5 in its west.
OsmXml town() {
    OsmXml osm;
    for (int i = 0; i <= 8; ++i) {
        const double lat = 36.700 + 0.005 * i;
        osm.way({{119.000, lat}, {119.060, lat}}, {{"highway", "residential"}});
    }
    for (int i = 0; i <= 12; ++i) {
        const double lon = 119.000 + 0.005 * i;
        osm.way({{lon, 36.700}, {lon, 36.740}}, {{"highway", "residential"}});
    }
    for (int k = 0; k < 30; ++k) {
        const double x = 119.0505 + 0.0015 * (k % 5);
        const double y = 36.7105 + 0.0015 * (k / 5);
        osm.box(x, y, x + 0.0002, y + 0.0002, {{"building", "house"}});
    }
    for (int k = 0; k < 5; ++k) {
        const double x = 119.0105 + 0.0015 * k;
        osm.box(x, 36.7205, x + 0.0002, 36.7207, {{"building", "house"}});
    }
    return osm;
}

} // namespace

TEST_CASE("without --boundary: the admin boundary holding most homes, not most lines", "[io][osm][outline]") {
    test::TempDir dir;
    OsmXml osm = town();
    // "West" holds all 9 east-west streets (by their first point) and 9 of the 13 north-south
    // ones, and 5 houses; "Town" the other 30 houses.
    osm.box(118.999, 36.699, 119.042, 36.741,
            {{"boundary", "administrative"}, {"admin_level", "6"}, {"name", "West"}});
    osm.box(119.042, 36.699, 119.061, 36.741,
            {{"boundary", "administrative"}, {"admin_level", "8"}, {"name", "Town"}});
    const auto path = dir / "town.osm";
    test::write_file(path, osm.text());
    wrap::GeosContext geos;
    RunContext ctx;
    const io::District d = io::read_district(io::osm_district_spec(path.string(), ""), geos, ctx);
    CHECK_THAT(d.boundary_description, Catch::Contains("'Town'") && Catch::Contains("85.7% of the residential"));
}

TEST_CASE("without --boundary or an admin boundary holding most homes: the built-up outline", "[io][osm][outline]") {
    test::TempDir dir;
    OsmXml osm = town();
    const auto path = dir / "town.osm";
    test::write_file(path, osm.text());
    wrap::GeosContext geos;
    std::vector<std::string> warnings;
    RunContext ctx;
    ctx.log = Logger{[&warnings](LogLevel level, const std::string& m) {
        if (level == LogLevel::warning) {
            warnings.push_back(m);
        }
    }};
    const io::District d = io::read_district(io::osm_district_spec(path.string(), ""), geos, ctx);
    CHECK_THAT(d.boundary_description,
               Catch::Contains("outline of the built-up area") && Catch::Contains("35 residential buildings"));
    bool warned = false;
    for (const auto& w : warnings) {
        warned = warned || w.find("outline of the built-up area") != std::string::npos;
    }
    CHECK(warned);
    // Far less than the streets' 5.4 x 4.4 km; at least the houses' own hull (the east
    // cluster spans 6 x 0.0015 deg) with 150 m around it.
    const double area_km2 = geos.area(d.boundary.get()) / 1e6;
    CHECK(area_km2 < 6.0);
    CHECK(area_km2 > 0.5);
    // Every house inside.
    std::int64_t households = 0;
    for (const auto& h : d.households) {
        households += h.count;
        wrap::GeomPtr p = geos.point(h.x, h.y);
        CHECK(GEOSIntersects_r(geos.handle(), d.boundary.get(), p.get()) == 1);
    }
    CHECK(d.households.size() == 35);
}

TEST_CASE("without buildings or households, no admin boundary: an error asking for --boundary",
          "[io][osm][outline][errors]") {
    test::TempDir dir;
    OsmXml osm;
    osm.way({{119.0, 36.7}, {119.01, 36.7}}, {{"highway", "residential"}});
    osm.way({{119.0, 36.7}, {119.0, 36.71}}, {{"highway", "residential"}});
    const auto path = dir / "lines.osm";
    test::write_file(path, osm.text());
    wrap::GeosContext geos;
    RunContext ctx;
    CHECK_THROWS_WITH(io::read_district(io::osm_district_spec(path.string(), ""), geos, ctx),
                      Catch::Contains("lines.osm") && Catch::Contains("--boundary"));
}

// --- the sea ---------------------------------------------------------------------

namespace {

/// A 1000 x 1000 m district; the coast runs west to east at y = 600 (land north, on the
/// left of the way), with a 200 x 200 m bay reaching north to y = 800 between x = 400 and
/// 600, and a 100 x 100 m island (counter-clockwise: land inside) at (200-300, 200-300).
/// Land: 1000 x 400 - 200 x 200 + 100 x 100 = 370,000 m2; sea: 630,000 m2.
struct Coast {
    wrap::GeosContext geos;
    wrap::GeomPtr district = geos.from_wkt("POLYGON((0 0, 1000 0, 1000 1000, 0 1000, 0 0))");
    wrap::GeomPtr coast =
        geos.from_wkt("LINESTRING(-50 600, 400 600, 400 800, 600 800, 600 600, 1050 600)");
    wrap::GeomPtr island = geos.from_wkt("LINESTRING(200 200, 300 200, 300 300, 200 300, 200 200)");
};

} // namespace

TEST_CASE("coastlines: the sea side of every coastline leaves the district, bays and islands too",
          "[io][coast]") {
    Coast c;
    const auto r = io::detail::land_by_coastlines(c.district.get(), {c.coast.get(), c.island.get()}, c.geos);
    CHECK(c.geos.area(r.land.get()) == Approx(370000.0));
    CHECK(r.sea_removed_m2 == Approx(630000.0));
    CHECK(GEOSGetNumGeometries_r(c.geos.handle(), r.land.get()) == 2);  // the mainland and the island
    auto inside = [&](double x, double y) {
        wrap::GeomPtr p = c.geos.point(x, y);
        return GEOSIntersects_r(c.geos.handle(), r.land.get(), p.get()) == 1;
    };
    CHECK(inside(100, 900));
    CHECK_FALSE(inside(500, 700));  // the bay
    CHECK(inside(250, 250));        // the island
    CHECK_FALSE(inside(500, 300));  // open sea

    SECTION("drawn the other way round, the same line makes the north the sea") {
        wrap::GeomPtr reversed = c.geos.own(GEOSReverse_r(c.geos.handle(), c.coast.get()), "reverse");
        const auto s = io::detail::land_by_coastlines(c.district.get(), {reversed.get()}, c.geos);
        CHECK(c.geos.area(s.land.get()) == Approx(1000.0 * 600.0 + 200.0 * 200.0));
    }
    SECTION("a coastline that ends inside the district (cut by the extract) changes nothing") {
        wrap::GeomPtr stub = c.geos.from_wkt("LINESTRING(-50 600, 300 600)");
        const auto s = io::detail::land_by_coastlines(c.district.get(), {stub.get()}, c.geos);
        CHECK(s.sea_removed_m2 == Approx(0.0).margin(1e-6));
    }
    SECTION("two coasts facing each other across a strait: the water between them is sea") {
        // Heading east at y = 990: land north of it; heading west at y = 10: land south.
        wrap::GeomPtr north = c.geos.from_wkt("LINESTRING(-50 990, 1050 990)");
        wrap::GeomPtr south = c.geos.from_wkt("LINESTRING(1050 10, -50 10)");
        const auto s = io::detail::land_by_coastlines(c.district.get(), {north.get(), south.get()}, c.geos);
        CHECK(c.geos.area(s.land.get()) == Approx(2.0 * 1000.0 * 10.0));
    }
}

TEST_CASE("land and sea layers cut the district for non-OSM input", "[io][coast]") {
    Coast c;
    wrap::GeomPtr land = c.geos.from_wkt("POLYGON((-10 500, 1010 500, 1010 1010, -10 1010, -10 500))");
    wrap::GeomPtr sea = c.geos.from_wkt("POLYGON((400 700, 600 700, 600 1100, 400 1100, 400 700))");
    const auto r = io::detail::land_by_polygons(c.district.get(), {land.get()}, {sea.get()}, c.geos);
    CHECK(c.geos.area(r.land.get()) == Approx(1000.0 * 500.0 - 200.0 * 300.0));
    CHECK(r.sea_removed_m2 == Approx(1e6 - 440000.0));
}

TEST_CASE("an OSM extract with a coastline: the sea is no block", "[io][osm][coast]") {
    test::TempDir dir;
    OsmXml osm = town();
    // The coast crosses the streets' grid west to east at 36.725 (land north): every block
    // south of it is sea.
    osm.way({{118.99, 36.725}, {119.07, 36.725}}, {{"natural", "coastline"}});
    osm.box(118.999, 36.699, 119.061, 36.741,
            {{"boundary", "administrative"}, {"admin_level", "8"}, {"name", "Coast Town"}});
    const auto path = dir / "coast.osm";
    test::write_file(path, osm.text());
    wrap::GeosContext geos;
    RunContext ctx;
    const io::District d = io::read_district(io::osm_district_spec(path.string(), ""), geos, ctx);
    // Land: 36.725-36.741 of 36.699-36.741, 16/42 of the district.
    const double land = geos.area(d.boundary.get());
    CHECK(land / (land + d.sea_removed_m2) == Approx(16.0 / 42.0).epsilon(0.01));
    CHECK_THAT(d.sea_source, Catch::Contains("coastline"));
    // The houses south of the coast (at 36.71-36.72) are outside the district now.
    const auto blocks = blocks::build_blocks(d, blocks::BlocksConfig{}, geos, ctx);
    CHECK(blocks.households.placed == 0);
    CHECK(blocks.households.rejected.at("outside_district") > 0);
    CHECK(blocks.stats.blocks_area_m2 == Approx(land).epsilon(1e-3));
}
