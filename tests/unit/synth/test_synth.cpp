// The synthetic district generator, checked from the files it writes (read back with
// GDAL and GEOS, independently of the generator's own geometry): determinism, household
// totals, households on land inside the district, bridges as the only road pieces over
// water, and a config that loads.

#include "support/fixtures.hpp"

#include "gridplan/config/project.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/io/output.hpp"
#include "gridplan/synth/synth.hpp"
#include "gridplan/wrap/gdal.hpp"
#include "gridplan/wrap/geos.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

using namespace gridplan;
namespace fs = std::filesystem;

namespace {

const char* const layers[] = {"boundary", "roads",      "rivers", "water",      "households",
                              "centres",  "facilities", "units",  "unit_areas", "landuse"};

synth::SynthStats generate(const fs::path& dir, std::int64_t households, std::uint64_t seed) {
    synth::SynthConfig config;
    config.households = households;
    config.seed = seed;
    wrap::GeosContext geos;
    RunContext ctx;
    io::OutputDir out{dir, "synth_summary.json"};
    const synth::SynthStats stats = synth::write_synth_district(config, out, geos, ctx);
    out.commit(ctx.log);
    return stats;
}

struct Feature {
    wrap::GeomPtr geom;
    std::map<std::string, std::string> fields; ///< unset fields are absent
};

std::vector<Feature> read_layer(const wrap::GeosContext& geos, const fs::path& file) {
    wrap::gdal_init();
    GDALDatasetUniquePtr ds{GDALDataset::Open(file.string().c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY)};
    REQUIRE(ds);
    OGRLayer* layer = ds->GetLayer(0);
    REQUIRE(layer != nullptr);
    std::vector<Feature> out;
    for (auto& f : *layer) {
        Feature feature;
        const OGRGeometry* g = f->GetGeometryRef();
        REQUIRE(g != nullptr);
        std::vector<unsigned char> wkb(static_cast<std::size_t>(g->WkbSize()));
        g->exportToWkb(wkbNDR, wkb.data());
        feature.geom = geos.from_wkb(wkb.data(), wkb.size());
        for (int i = 0; i < f->GetFieldCount(); ++i) {
            if (f->IsFieldSetAndNotNull(i)) {
                feature.fields[f->GetFieldDefnRef(i)->GetNameRef()] = f->GetFieldAsString(i);
            }
        }
        out.push_back(std::move(feature));
    }
    return out;
}

/// One geometry holding all the features' geometries.
wrap::GeomPtr collect(const wrap::GeosContext& geos, const std::vector<Feature>& features) {
    std::vector<wrap::GeomPtr> parts;
    for (const auto& f : features) {
        parts.push_back(geos.clone(f.geom.get()));
    }
    wrap::GeomPtr all = geos.collection(GEOS_GEOMETRYCOLLECTION, parts);
    return geos.own(GEOSUnaryUnion_r(geos.handle(), all.get()), "union");
}

bool predicate(const wrap::GeosContext& geos, char result) {
    return geos.check_bool(result, "predicate");
}

} // namespace

TEST_CASE("synth config: each bad value names its option", "[synth]") {
    auto key_of = [](const synth::SynthConfig& c) {
        try {
            c.validate();
        } catch (const ConfigError& e) {
            CHECK(e.exit_code() == ExitCode::input);
            return e.key();
        }
        return std::string{};
    };
    synth::SynthConfig c;
    CHECK(key_of(c).empty());
    c.households = 999;
    CHECK(key_of(c) == "--households");
    c.households = 5000001;
    CHECK(key_of(c) == "--households");
    c.households = 1000;
    CHECK(key_of(c).empty());
    c.households = 5000000;
    CHECK(key_of(c).empty());
    c.seed = 4294967296ULL;
    CHECK(key_of(c) == "--seed");
    c.seed = 4294967295ULL;
    CHECK(key_of(c).empty());
    c.lat = 85.0;
    CHECK(key_of(c) == "--lat");
    c.lat = 36.7;
    c.lon = std::nan("");
    CHECK(key_of(c) == "--lon");
}

TEST_CASE("synth: the same households and seed give byte-identical files", "[synth][determinism]") {
    test::TempDir dir;
    generate(dir / "a", 20000, 7);
    generate(dir / "b", 20000, 7);
    generate(dir / "c", 20000, 8);
    std::size_t files = 0;
    for (const auto& e : fs::directory_iterator(dir / "a")) {
        INFO(e.path().filename().string());
        CHECK(test::read_file(e.path()) == test::read_file(dir / "b" / e.path().filename()));
        ++files;
    }
    CHECK(files == std::size(layers) + 2);  // the layers, district.json and synth_summary.json
    CHECK(test::read_file(dir / "a" / "roads.geojson") != test::read_file(dir / "c" / "roads.geojson"));
}

TEST_CASE("synth: households add up and lie on land inside the district", "[synth]") {
    test::TempDir dir;
    const std::int64_t n = 30000;
    const synth::SynthStats s = generate(dir.path(), n, 3);
    wrap::GeosContext geos;
    const auto boundary = read_layer(geos, dir / "boundary.geojson");
    REQUIRE(boundary.size() == 1);
    wrap::PreparedPtr inside = geos.prepare(boundary.front().geom.get());
    const wrap::GeomPtr water = collect(geos, read_layer(geos, dir / "water.geojson"));
    REQUIRE_FALSE(geos.is_empty(water.get()));
    wrap::PreparedPtr wet = geos.prepare(water.get());

    const auto households = read_layer(geos, dir / "households.geojson");
    CHECK(households.size() == s.household_points);
    std::int64_t total = 0;
    std::size_t outside = 0;
    std::size_t in_water = 0;
    for (const auto& h : households) {
        const std::int64_t count = std::stoll(h.fields.at("households"));
        CHECK(count >= 1);
        CHECK(count <= 300);
        total += count;
        outside += predicate(geos, GEOSPreparedContainsProperly_r(geos.handle(), inside.get(), h.geom.get())) ? 0 : 1;
        in_water += predicate(geos, GEOSPreparedIntersects_r(geos.handle(), wet.get(), h.geom.get())) ? 1 : 0;
    }
    CHECK(std::abs(total - n) <= n / 100); // within 1% ...
    CHECK(total == n); // ... and in fact exact
    CHECK(s.households == n);
    CHECK(outside == 0);
    CHECK(in_water == 0);

    // Centres, facilities and units too are on land in the district.
    for (const char* layer : {"centres", "facilities", "units"}) {
        INFO(layer);
        const auto points = read_layer(geos, dir / (std::string{layer} + ".geojson"));
        CHECK_FALSE(points.empty());
        for (const auto& p : points) {
            CHECK(predicate(geos, GEOSPreparedContainsProperly_r(geos.handle(), inside.get(), p.geom.get())));
            CHECK_FALSE(predicate(geos, GEOSPreparedIntersects_r(geos.handle(), wet.get(), p.geom.get())));
        }
    }
    const auto centres = read_layer(geos, dir / "centres.geojson");
    CHECK(static_cast<std::int64_t>(centres.size()) == std::llround(n / 6000.0 * 36.0 / 42.0));
    for (const auto& c : centres) {
        CHECK(c.fields.at("services") == "medical,childcare,elderly,shopping,leisure,fitness,relief,mediation");
    }
    const std::set<std::string> services = {"medical", "childcare", "elderly", "shopping",
                                            "leisure", "fitness",   "relief",  "mediation"};
    for (const auto& f : read_layer(geos, dir / "facilities.geojson")) {
        const std::string list = f.fields.at("services");
        std::size_t start = 0;
        while (start <= list.size()) {
            const std::size_t comma = std::min(list.find(',', start), list.size());
            CHECK(services.count(list.substr(start, comma - start)) == 1);
            start = comma + 1;
        }
    }
    CHECK(s.area_km2 == Approx(n * 140.0 / 1e6).epsilon(0.01));
    CHECK(s.share_within_600m > 0.7);
    CHECK(s.share_within_600m < 1.0);
}

TEST_CASE("synth: roads cross rivers and water areas only on bridges", "[synth]") {
    test::TempDir dir;
    const synth::SynthStats s = generate(dir.path(), 40000, 5);
    wrap::GeosContext geos;
    const wrap::GeomPtr rivers = collect(geos, read_layer(geos, dir / "rivers.geojson"));
    const wrap::GeomPtr water = collect(geos, read_layer(geos, dir / "water.geojson"));
    wrap::PreparedPtr river_lines = geos.prepare(rivers.get());
    wrap::PreparedPtr water_areas = geos.prepare(water.get());
    const auto roads = read_layer(geos, dir / "roads.geojson");
    std::size_t bridges = 0;
    std::size_t wet_non_bridges = 0;
    std::map<std::string, std::size_t> classes;
    for (const auto& r : roads) {
        const bool bridge = r.fields.count("bridge") == 1 && r.fields.at("bridge") == "yes";
        const std::string cls = r.fields.at("class");
        ++classes[cls];
        const bool wet = predicate(geos, GEOSPreparedIntersects_r(geos.handle(), river_lines.get(), r.geom.get())) ||
                         predicate(geos, GEOSPreparedIntersects_r(geos.handle(), water_areas.get(), r.geom.get()));
        if (bridge) {
            ++bridges;
            CHECK(wet); // a bridge spans water
            CHECK(cls == "road");
        } else if (wet) {
            ++wet_non_bridges;
        }
    }
    CHECK(wet_non_bridges == 0);
    CHECK(bridges >= 3);
    CHECK(bridges == s.bridges);
    CHECK(classes.size() == 3);
    CHECK(classes["road"] == s.roads.features);
    CHECK(classes["street"] == s.streets.features);
    CHECK(classes["alley"] == s.alleys.features);
}

TEST_CASE("synth: the written config loads, with every layer and its fields", "[synth]") {
    test::TempDir dir;
    const synth::SynthStats s = generate(dir.path(), 25000, 11);
    const std::string text = test::read_file(dir / "district.json");
    CHECK_THAT(text, Catch::StartsWith("{\n  \"name\": \"Synthetic district (25000 households, seed 11)\",\n"));
    const config::ProjectConfig cfg = config::load_project_config((dir / "district.json").string());
    CHECK(cfg.name == "Synthetic district (25000 households, seed 11)");
    REQUIRE(cfg.district.barriers.size() == 2);
    CHECK(cfg.district.barriers[0].class_field == "class");
    REQUIRE(cfg.district.households);
    CHECK(cfg.district.households->count_field == "households");
    REQUIRE(cfg.district.centres);
    CHECK(cfg.district.centres->id_field == "centre_id");
    REQUIRE(cfg.district.facilities);
    CHECK(cfg.district.facilities->services_field == "services");
    REQUIRE(cfg.district.units);
    CHECK(cfg.district.units->kind_field == "kind");
    REQUIRE(cfg.district.unit_areas);
    for (const char* layer : layers) {
        CHECK(fs::exists(dir / (std::string{layer} + ".geojson")));
    }

    // Units and their outlines share ids; land use has every kind of land.
    wrap::GeosContext geos;
    const auto units = read_layer(geos, dir / "units.geojson");
    const auto areas = read_layer(geos, dir / "unit_areas.geojson");
    CHECK(units.size() == s.units);
    CHECK(areas.size() == s.unit_areas);
    std::map<std::string, std::string> kind_of;
    for (const auto& u : units) {
        kind_of[u.fields.at("unit_id")] = u.fields.at("kind");
    }
    // Outlines sit inside blocks: no street or road crosses one.
    std::vector<Feature> streets;
    for (auto& r : read_layer(geos, dir / "roads.geojson")) {
        if (r.fields.at("class") != "alley") {
            streets.push_back(std::move(r));
        }
    }
    const wrap::GeomPtr street_lines = collect(geos, streets);
    wrap::PreparedPtr prepared_streets = geos.prepare(street_lines.get());
    for (const auto& a : areas) {
        const std::string kind = kind_of.at(a.fields.at("unit_id"));
        CHECK((kind == "village" || kind == "community"));
        CHECK(a.fields.at("kind") == kind);
        CHECK_FALSE(predicate(geos, GEOSPreparedIntersects_r(geos.handle(), prepared_streets.get(), a.geom.get())));
    }
    std::set<std::string> kinds;
    for (const auto& l : read_layer(geos, dir / "landuse.geojson")) {
        kinds.insert(l.fields.at("kind"));
    }
    for (const char* k : {"park", "industry", "rail_yard", "residential_compound", "village"}) {
        CHECK(kinds.count(k) == 1);
    }
}
