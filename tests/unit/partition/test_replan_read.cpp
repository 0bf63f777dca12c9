// Reading a previous grid layer: ids, codes and names; bad layers get one clear message.
#include "support/fixtures.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/partition/replan.hpp"

#include <catch2/catch.hpp>

using namespace gridplan;

namespace {

/// A GeoJSON layer in EPSG:32650 with the given features ("properties" and WKT-free
/// coordinates of a rectangle x0, y0, x1, y1).
struct Feature {
    std::string properties;
    double x0, y0, x1, y1;
};

std::string layer(const std::vector<Feature>& features) {
    std::string s = R"({"type": "FeatureCollection", "name": "grids", )"
                    R"("crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32650"}}, "features": [)";
    for (std::size_t i = 0; i < features.size(); ++i) {
        const auto& f = features[i];
        auto xy = [](double x, double y) { return "[" + std::to_string(x) + ", " + std::to_string(y) + "]"; };
        s += std::string{i > 0 ? ", " : ""} + R"({"type": "Feature", "properties": )" + f.properties +
             R"(, "geometry": {"type": "Polygon", "coordinates": [[)" + xy(f.x0, f.y0) + ", " + xy(f.x1, f.y0) +
             ", " + xy(f.x1, f.y1) + ", " + xy(f.x0, f.y1) + ", " + xy(f.x0, f.y0) + "]]}}";
    }
    return s + "]}";
}

struct Read {
    partition::PreviousPlan plan;
    std::string warnings;
};

Read read(const test::TempDir& dir, const std::vector<Feature>& features, const std::string& id_field = "grid_id") {
    const auto path = dir / "prev.geojson";
    test::write_file(path, layer(features));
    wrap::GeosContext geos;
    Read r;
    RunContext ctx;
    ctx.log = Logger{[&r](LogLevel level, const std::string& m) {
        if (level == LogLevel::warning) {
            r.warnings += m + "\n";
        }
    }};
    io::SourceSpec s;
    s.path = path.string();
    s.config_key = "--previous";
    r.plan = partition::read_previous_plan(s, id_field, crs::Crs::from_user_input("EPSG:32650"), geos, ctx);
    return r;
}

std::string error_of(const test::TempDir& dir, const std::vector<Feature>& features,
                     const std::string& id_field = "grid_id") {
    try {
        read(dir, features, id_field);
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST_CASE("a previous grid layer: ids, codes and names, sorted by id", "[partition][replan]") {
    test::TempDir dir;
    const Read r = read(dir, {{R"({"grid_id": 7, "code": "370705007", "name": "Xinhua"})", 100, 0, 200, 100},
                              {R"({"grid_id": 2, "code": "370705002", "name": "Jiefang"})", 0, 0, 100, 100}});
    REQUIRE(r.plan.grids.size() == 2);
    CHECK(r.plan.grids[0].grid_id == 2);
    CHECK(r.plan.grids[0].code == "370705002");
    CHECK(r.plan.grids[0].name == "Jiefang");
    CHECK(r.plan.grids[1].grid_id == 7);
    CHECK(r.plan.max_id == 7);
    CHECK(r.plan.index_of(7) == 1);
    CHECK(r.plan.index_of(3) == partition::no_index);
    CHECK(r.warnings.empty());
    // Drawn by hand: another id field, no code or name; ids as text are fine.
    const Read drawn = read(dir, {{R"({"GRID_NO": "3"})", 0, 0, 100, 100}}, "GRID_NO");
    REQUIRE(drawn.plan.grids.size() == 1);
    CHECK(drawn.plan.grids[0].grid_id == 3);
    CHECK(drawn.plan.grids[0].code.empty());
}

TEST_CASE("a previous grid layer with bad ids is an error naming them", "[partition][replan]") {
    test::TempDir dir;
    SECTION("no id field: names the field, the option and the file") {
        const std::string e = error_of(dir, {{R"({"id": 1})", 0, 0, 100, 100}});
        CHECK_THAT(e, Catch::Contains("prev.geojson") && Catch::Contains("grid_id") &&
                          Catch::Contains("--previous-id"));
    }
    SECTION("another --previous-id field that the layer lacks") {
        const std::string e = error_of(dir, {{R"({"grid_id": 1})", 0, 0, 100, 100}}, "GRID_NO");
        CHECK_THAT(e, Catch::Contains("field 'GRID_NO': no such field") && Catch::Contains("--previous-id") &&
                          Catch::Contains("fields: grid_id"));
    }
    SECTION("a feature without an id") {
        const std::string e =
            error_of(dir, {{R"({"grid_id": 1})", 0, 0, 100, 100}, {R"({"grid_id": null})", 100, 0, 200, 100}});
        CHECK_THAT(e, Catch::Contains("without a grid id") && Catch::Contains("fid=1"));
    }
    SECTION("an id that is not a whole number") {
        const std::string e = error_of(dir, {{R"({"grid_id": "A3"})", 0, 0, 100, 100}});
        CHECK_THAT(e, Catch::Contains("whole numbers") && Catch::Contains("'A3'"));
    }
    SECTION("duplicate ids: each named with its features") {
        const std::string e = error_of(dir, {{R"({"grid_id": 4})", 0, 0, 100, 100},
                                             {R"({"grid_id": 5})", 100, 0, 200, 100},
                                             {R"({"grid_id": 4})", 200, 0, 300, 100}});
        CHECK_THAT(e, Catch::Contains("duplicate grid ids: 4 (fid 0, 2)"));
    }
}

TEST_CASE("overlapping previous grids give a warning naming the pairs and the area", "[partition][replan]") {
    test::TempDir dir;
    const Read r = read(dir, {{R"({"grid_id": 1})", 0, 0, 120, 100},
                              {R"({"grid_id": 2})", 100, 0, 200, 100},
                              {R"({"grid_id": 3})", 199.999, 0, 300, 100}});  // a 0.1 m2 sliver: noise
    CHECK_THAT(r.warnings, Catch::Contains("1 pair(s) of previous grids overlap") &&
                               Catch::Contains("1 and 2 (2000.0 m2)"));
    CHECK_THAT(r.warnings, !Catch::Contains("2 and 3"));
}
