#include "gridplan/io/osm_tags.hpp"

#include "io/detail/embedded_data.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/core/json_config.hpp"
#include "gridplan/io/district.hpp"

#include <cpl_vsi.h>

#include <fstream>
#include <mutex>
#include <sstream>

namespace gridplan::io {

OsmTagMapping OsmTagMapping::builtin() {
    static const OsmTagMapping mapping = parse(detail::builtin_osm_tags_json, "built-in data/osm/tags.json");
    return mapping;
}

OsmTagMapping OsmTagMapping::load(const std::string& path) {
    return parse(read_config_text(path, "OSM tag mapping"), path);
}

namespace {

std::map<std::string, std::set<std::string>> parse_value_sets(const ConfigNode& node) {
    std::map<std::string, std::set<std::string>> out;
    if (!node.json().is_object()) {
        node.fail({}, "expected an object of tag keys to value lists");
    }
    for (const auto& item : node.json().items()) {
        if (!item.value().is_array()) {
            node.fail(item.key(), "expected an array of tag values");
        }
        for (const auto& v : item.value()) {
            if (!v.is_string()) {
                node.fail(item.key(), "expected tag values as strings");
            }
            out[item.key()].insert(v.get<std::string>());
        }
    }
    return out;
}

std::map<std::string, double> parse_levels(const ConfigNode& node) {
    std::map<std::string, double> out;
    if (!node.json().is_object()) {
        node.fail({}, "expected an object mapping building types to default levels");
    }
    for (const auto& item : node.json().items()) {
        if (!item.value().is_number()) {
            node.fail(item.key(), "expected a number of levels");
        }
        out[item.key()] = item.value().get<double>();
    }
    return out;
}

} // namespace

BuildingEstimateConfig parse_building_estimate(const ConfigNode& node, const std::vector<std::string>& extra_keys) {
    std::vector<std::string> keys{"floor_area_per_household_m2", "residential_buildings", "unspecified_buildings",
                                  "excluded_landuse", "default_levels", "unspecified_area_m2",
                                  "context_levels", "coverage_radius_m"};
    keys.insert(keys.end(), extra_keys.begin(), extra_keys.end());
    node.expect_object(keys);
    BuildingEstimateConfig c;
    c.floor_area_per_household_m2 = node.get_number("floor_area_per_household_m2").value_or(c.floor_area_per_household_m2);
    c.default_levels = node.get_number("default_levels").value_or(c.default_levels);
    if (node.has("residential_buildings")) {
        c.residential_levels = parse_levels(node.child("residential_buildings"));
    }
    if (node.has("unspecified_buildings")) {
        c.unspecified_levels = parse_levels(node.child("unspecified_buildings"));
    }
    for (const auto& v : node.array("excluded_landuse")) {
        if (!v.json().is_string()) {
            v.fail({}, "expected a land-use value");
        }
        c.excluded_landuse.insert(v.json().get<std::string>());
    }
    c.coverage_radius_m = node.get_number("coverage_radius_m").value_or(c.coverage_radius_m);
    for (const auto& row : node.array("context_levels")) {
        row.expect_object({"landuse", "min_footprint_m2", "min_coverage", "levels"});
        ContextLevels r;
        r.landuse = row.get_string("landuse").value_or("");
        r.min_footprint_m2 = row.get_number("min_footprint_m2").value_or(0.0);
        r.min_coverage = row.get_number("min_coverage").value_or(0.0);
        const auto levels = row.get_number("levels");
        if (!levels) {
            row.fail("levels", "missing: the default levels of the buildings this row matches");
        }
        r.levels = *levels;
        c.context_levels.push_back(r);
    }
    if (node.has("unspecified_area_m2")) {
        const auto& range = node.json()["unspecified_area_m2"];
        if (!range.is_array() || range.size() != 2 || !range[0].is_number() || !range[1].is_number()) {
            node.fail("unspecified_area_m2", "expected [min, max] in m2");
        }
        c.unspecified_min_area_m2 = range[0].get<double>();
        c.unspecified_max_area_m2 = range[1].get<double>();
    }
    try {
        c.validate();
    } catch (const ConfigError& e) {
        throw ConfigError{node.key_of(e.key().substr(e.key().find('.') + 1)), e.reason(), node.file()};
    }
    return c;
}

OsmTagMapping OsmTagMapping::parse(const std::string& text, const std::string& origin) {
    const nlohmann::json root = parse_json_with_comments(text, origin);
    const ConfigNode node{root, "", origin};
    node.expect_object({"barrier_classes", "exclude", "not_walkable", "foot_allowed", "water_areas", "name_tag",
                        "households", "centres", "services"});
    OsmTagMapping m;
    const ConfigNode classes = node.child("barrier_classes");
    if (!classes.json().is_object()) {
        classes.fail({}, "expected an object of tag keys");
    }
    for (const auto& item : classes.json().items()) {
        const ConfigNode per_key{item.value(), classes.key_of(item.key()), origin};
        if (!item.value().is_object()) {
            per_key.fail({}, "expected an object mapping tag values to classes");
        }
        m.m_class_keys.push_back(item.key());
        auto& map = m.m_classes[item.key()];
        for (const auto& value : item.value().items()) {
            const auto cls = value.value().is_string() ? parse_barrier_class(value.value().get<std::string>())
                                                       : std::nullopt;
            if (!cls) {
                per_key.fail(value.key(), "unknown barrier class " + value.value().dump() +
                                              "; allowed: " + barrier_class_names());
            }
            map[value.key()] = *cls;
        }
    }
    if (node.has("exclude")) {
        m.m_exclude = parse_value_sets(node.child("exclude"));
    }
    if (node.has("not_walkable")) {
        m.m_not_walkable = parse_value_sets(node.child("not_walkable"));
    }
    if (node.has("foot_allowed")) {
        m.m_foot_allowed = parse_value_sets(node.child("foot_allowed"));
    }
    if (node.has("centres")) {
        m.m_centres = parse_value_sets(node.child("centres"));
    }
    if (node.has("services")) {
        const ConfigNode services = node.child("services");
        if (!services.json().is_object()) {
            services.fail({}, "expected an object of tag keys");
        }
        for (const auto& item : services.json().items()) {
            const ConfigNode per_key{item.value(), services.key_of(item.key()), origin};
            if (!item.value().is_object()) {
                per_key.fail({}, "expected an object mapping tag values to services");
            }
            for (const auto& value : item.value().items()) {
                if (!value.value().is_string()) {
                    per_key.fail(value.key(), "expected services such as \"medical,childcare\"");
                }
                try {
                    m.m_services[item.key()][value.key()] = parse_services(value.value().get<std::string>(), {});
                } catch (const InputError& e) {
                    per_key.fail(value.key(), e.reason());
                }
            }
        }
    }
    if (node.has("water_areas")) {
        m.m_water = parse_value_sets(node.child("water_areas"));
    }
    if (auto name = node.get_string("name_tag")) {
        m.m_name_tag = *name;
    }
    if (node.has("households")) {
        m.m_households = parse_building_estimate(node.child("households"));
    }
    return m;
}

std::vector<std::string> OsmTagMapping::all_keys() const {
    std::vector<std::string> keys = m_class_keys;
    for (const auto& [k, v] : m_exclude) {
        keys.push_back(k);
    }
    for (const auto& [k, v] : m_water) {
        keys.push_back(k);
    }
    for (const auto* rules : {&m_not_walkable, &m_foot_allowed, &m_centres}) {
        for (const auto& [k, v] : *rules) {
            keys.push_back(k);
        }
    }
    for (const auto& [k, v] : m_services) {
        keys.push_back(k);
    }
    keys.push_back(m_name_tag);
    return keys;
}

std::string osm_driver_config_path() {
    static const std::string path = "/vsimem/gridplan/osmconf.ini";
    static std::once_flag once;
    std::call_once(once, [] {
        const std::string text = detail::builtin_osmconf_ini;
        VSILFILE* f = VSIFOpenL(path.c_str(), "wb");
        if (f == nullptr) {
            throw InternalError{"cannot write the OSM driver configuration to " + path};
        }
        VSIFWriteL(text.data(), 1, text.size(), f);
        VSIFCloseL(f);
    });
    return path;
}

} // namespace gridplan::io
