// fuzz_osm_tags: bytes -> io::OsmTagMapping::parse, then every rule of the mapping asked
// about a few tag sets (fixed ones, and each of the mapping's own keys with common
// values), and households estimated for a few buildings with its building rules.
#include "fuzz_bodies.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/io/households.hpp"
#include "gridplan/io/osm_tags.hpp"
#include "gridplan/wrap/geos.hpp"

#include <map>
#include <string>
#include <vector>

namespace gridplan::fuzz {

namespace {

using Tags = std::map<std::string, std::string>;

void ask(const io::OsmTagMapping& m, const Tags& tags) {
    auto tag = [&tags](const std::string& key) -> const char* {
        const auto it = tags.find(key);
        return it == tags.end() ? nullptr : it->second.c_str();
    };
    (void)m.classify(tag);
    (void)m.is_excluded(tag);
    (void)m.is_walkable(tag);
    (void)m.services_of(tag);
    (void)m.is_centre(tag);
    (void)m.is_water_area(tag);
    (void)m.is_estimate_landuse(tag("landuse"));
}

void estimate(const io::OsmTagMapping& m, const wrap::GeosContext& geos) {
    std::vector<io::Building> buildings;
    std::vector<std::string> types{"", "yes", "apartments", "house", "industrial"};
    if (!m.households().residential_levels.empty()) {
        types.push_back(m.households().residential_levels.begin()->first);
    }
    if (!m.households().unspecified_levels.empty()) {
        types.push_back(m.households().unspecified_levels.rbegin()->first);
    }
    double x = 0.0;
    for (const auto& type : types) {
        for (const double side : {2.0, 25.0, 300.0}) {
            io::Building b;
            b.geom = geos.from_wkt("POLYGON((" + std::to_string(x) + " 0, " + std::to_string(x + side) + " 0, " +
                                   std::to_string(x + side) + " " + std::to_string(side) + ", " + std::to_string(x) +
                                   " " + std::to_string(side) + ", " + std::to_string(x) + " 0))");
            b.type = type;
            if (side > 100.0) {
                b.levels = 12.0;
            }
            buildings.push_back(std::move(b));
            x += 400.0;
        }
    }
    const wrap::GeomPtr landuse = geos.from_wkt("POLYGON((0 0, 4000 0, 4000 100, 0 100, 0 0))");
    const wrap::GeomPtr housing = geos.from_wkt("POLYGON((4000 0, 9000 0, 9000 400, 4000 400, 4000 0))");
    const wrap::GeomPtr total = geos.from_wkt("POLYGON((2000 0, 6000 0, 6000 400, 2000 400, 2000 0))");
    std::vector<io::HouseholdPoint> out;
    (void)io::estimate_households(buildings, {{landuse.get(), "industrial"}, {housing.get(), "residential"}},
                                  {{total.get(), 1000, 0, SourceFid{1}}}, m.households(), geos, out);
}

} // namespace

Outcome run_osm_tags(const std::uint8_t* data, std::size_t size) {
    static const std::vector<Tags> fixed{
        {{"highway", "primary"}, {"name", "Shengli Road"}},
        {{"highway", "motorway"}, {"foot", "yes"}},
        {{"highway", "footway"}, {"access", "private"}},
        {{"waterway", "river"}, {"tunnel", "culvert"}},
        {{"waterway", "riverbank"}, {"natural", "water"}},
        {{"amenity", "community_centre"}, {"social_facility", "community_centre"}},
        {{"amenity", "clinic"}, {"shop", "supermarket"}, {"leisure", "park"}},
        {{"building", "apartments"}, {"landuse", "industrial"}},
        {},
    };
    static const std::vector<std::string> values{"yes", "no", "primary", "river", "water", "community_centre",
                                                 "clinic", "apartments", ""};
    const std::string text(reinterpret_cast<const char*>(data), size);
    Outcome outcome;
    try {
        const io::OsmTagMapping m = io::OsmTagMapping::parse(text, "fuzz:tags.json");
        for (const auto& tags : fixed) {
            ask(m, tags);
        }
        const std::vector<std::string> keys = m.all_keys();
        for (std::size_t i = 0; i < keys.size() && i < 24; ++i) {
            for (const auto& v : values) {
                ask(m, Tags{{keys[i], v}});
            }
        }
        const wrap::GeosContext geos;
        estimate(m, geos);
    } catch (const InternalError&) {
        throw;
    } catch (const Error& e) {
        outcome.rejected = true;
        outcome.message = e.what();
    }
    return outcome;
}

} // namespace gridplan::fuzz
