// GeoJSON output: coordinates rounded to the output precision, polygons kept valid.
#include "support/fixtures.hpp"

#include "gridplan/crs/crs.hpp"
#include "gridplan/io/output.hpp"
#include "gridplan/wrap/gdal.hpp"
#include "gridplan/wrap/geos.hpp"

#include <catch2/catch.hpp>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <cmath>
#include <regex>

using namespace gridplan;

namespace {

/// Writes the polygons (WKT, WGS84) to one GeoJSON layer at `decimals` and reads them back.
std::vector<wrap::GeomPtr> round_trip(const wrap::GeosContext& geos, const std::vector<std::string>& wkts,
                                      int decimals, std::vector<std::string>& written) {
    test::TempDir dir;
    {
        io::OutputDir out{dir.path(), ""};
        io::OutputOptions options;
        options.coordinate_precision = decimals;
        io::VectorWriter writer{out, "shapes", options, crs::Crs::wgs84(), geos};
        writer.begin_layer(io::LayerDef{"shapes", wkbPolygon, {{"id", io::FieldType::integer, "", 0}}});
        std::int64_t id = 0;
        for (const auto& wkt : wkts) {
            wrap::GeomPtr g = geos.from_wkt(wkt);
            writer.add(g.get(), {++id});
        }
        writer.finish();
        out.commit(Logger{});
    }
    wrap::gdal_init();
    GDALDatasetUniquePtr ds{GDALDataset::Open((dir / "shapes.geojson").string().c_str(), GDAL_OF_VECTOR)};
    REQUIRE(ds);
    std::vector<wrap::GeomPtr> back;
    for (auto& f : *ds->GetLayer(0)) {
        const OGRGeometry* g = f->GetGeometryRef();
        REQUIRE(g != nullptr);
        char* wkt = nullptr;
        g->exportToWkt(&wkt);
        written.emplace_back(wkt);
        CPLFree(wkt);
        back.push_back(geos.from_wkt(written.back()));
    }
    return back;
}

/// Whether every number in a WKT string lies on the grid of `decimals` decimals.
bool on_grid(const std::string& wkt, int decimals) {
    const std::regex number{R"(-?[0-9]+(\.[0-9]+)?)"};
    const double scale = std::pow(10.0, decimals);
    for (auto it = std::sregex_iterator(wkt.begin(), wkt.end(), number); it != std::sregex_iterator(); ++it) {
        const double v = std::stod(it->str()) * scale;
        if (std::fabs(v - std::round(v)) > 1e-6) {
            return false;
        }
    }
    return true;
}

} // namespace

TEST_CASE("GeoJSON output rounds coordinates to the precision and keeps polygons valid", "[io][output]") {
    wrap::GeosContext geos;
    // A square off the 0.001 grid: each vertex moves to the nearest grid point.
    const std::string square = "POLYGON((0.00012 0.00049, 1.00071 0.00049, 1.00071 1.00033, 0.00012 1.00033, "
                               "0.00012 0.00049))";
    // A hole 0.3-0.4 thousandths inside the shell's east side: rounding each vertex puts
    // two of its vertices on that side, so the hole would share an edge with the shell.
    const std::string hole = "POLYGON((0 0, 1 0, 1 1, 0 1, 0 0), (0.5 0.4, 0.5 0.6, 0.9997 0.55, 0.9996 0.45, 0.5 0.4))";
    {
        wrap::GeomPtr naive = geos.from_wkt("POLYGON((0 0, 1 0, 1 1, 0 1, 0 0), (0.5 0.4, 0.5 0.6, 1 0.55, 1 0.45, 0.5 0.4))");
        REQUIRE_FALSE(geos.is_valid(naive.get()));  // so the test takes the snapping path
    }
    std::vector<std::string> written;
    const auto back = round_trip(geos, {square, hole}, 3, written);
    REQUIRE(back.size() == 2);

    // 0.00012 -> 0, 0.00049 -> 0, 1.00071 -> 1.001, 1.00033 -> 1: a 1.001 x 1 square.
    CHECK(on_grid(written[0], 3));
    CHECK(geos.is_valid(back[0].get()));
    CHECK(geos.area(back[0].get()) == Approx(1.001).epsilon(1e-9));

    // The holed polygon comes back valid, on the grid, with about the same area
    // (1 - 0.5 x (0.2 + 0.1) x 0.5 = 0.925 before rounding).
    CHECK(on_grid(written[1], 3));
    CHECK(geos.is_valid(back[1].get()));
    CHECK(geos.area(back[1].get()) == Approx(0.925).margin(0.001));
}
