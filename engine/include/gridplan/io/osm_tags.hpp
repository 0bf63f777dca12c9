#pragma once
// The editable mapping from OpenStreetMap tags to barrier classes and water areas
// (data/osm/tags.json), and the OSM driver configuration (data/osm/osmconf.ini).

#include "gridplan/core/barrier.hpp"
#include "gridplan/core/service.hpp"
#include "gridplan/io/households.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace gridplan::io {

class OsmTagMapping {
public:
    /// The built-in mapping (a copy of data/osm/tags.json compiled into gridplan).
    static OsmTagMapping builtin();
    /// Reads a mapping file; throws ConfigError naming the file and key.
    static OsmTagMapping load(const std::string& path);
    /// Parses mapping text; `origin` names it in messages.
    static OsmTagMapping parse(const std::string& text, const std::string& origin);

    /// Keys whose values decide the class (e.g. "highway", "waterway"), in file order.
    const std::vector<std::string>& class_keys() const noexcept { return m_class_keys; }
    /// Keys of the exclusion and water-area rules.
    std::vector<std::string> all_keys() const;

    /// The class of a line from its tags (lookup by key), nullopt when nothing maps.
    /// `tag` returns the value of a key or nullptr.
    template <typename TagLookup>
    std::optional<BarrierClass> classify(TagLookup&& tag) const {
        std::optional<BarrierClass> best;
        for (const auto& key : m_class_keys) {
            const char* v = tag(key);
            if (v == nullptr) {
                continue;
            }
            const auto& map = m_classes.at(key);
            const auto it = map.find(v);
            if (it != map.end() && (!best || it->second > *best)) {
                best = it->second;
            }
        }
        return best;
    }

    /// Lines that divide nothing at the surface (tunnels, culverts, covered ways).
    template <typename TagLookup>
    bool is_excluded(TagLookup&& tag) const {
        return any_match(m_exclude, tag);
    }

    /// Lines closed to pedestrians (motorways, foot=no), unless foot is explicitly allowed.
    template <typename TagLookup>
    bool is_walkable(TagLookup&& tag) const {
        return any_match(m_foot_allowed, tag) || !any_match(m_not_walkable, tag);
    }

    /// Services offered by an OSM feature (0 if none), and whether it is a community centre.
    template <typename TagLookup>
    ServiceSet services_of(TagLookup&& tag) const {
        ServiceSet set = 0;
        for (const auto& [key, values] : m_services) {
            const char* v = tag(key);
            if (v != nullptr) {
                const auto it = values.find(v);
                if (it != values.end()) {
                    set = static_cast<ServiceSet>(set | it->second);
                }
            }
        }
        return set;
    }
    template <typename TagLookup>
    bool is_centre(TagLookup&& tag) const {
        return any_match(m_centres, tag);
    }

    template <typename TagLookup>
    bool is_water_area(TagLookup&& tag) const {
        for (const auto& [key, values] : m_water) {
            const char* v = tag(key);
            if (v != nullptr && values.count(v) > 0) {
                return true;
            }
        }
        return false;
    }

    const std::string& name_tag() const noexcept { return m_name_tag; }

    /// How households are estimated from OSM buildings.
    const BuildingEstimateConfig& households() const noexcept { return m_households; }
    /// Whether land use of this value matters to the household estimate.
    bool is_estimate_landuse(const char* landuse) const {
        return landuse != nullptr && m_households.uses_landuse(landuse);
    }

private:
    template <typename TagLookup>
    static bool any_match(const std::map<std::string, std::set<std::string>>& rules, TagLookup&& tag) {
        for (const auto& [key, values] : rules) {
            const char* v = tag(key);
            if (v != nullptr && values.count(v) > 0) {
                return true;
            }
        }
        return false;
    }

    BuildingEstimateConfig m_households;
    std::map<std::string, std::set<std::string>> m_not_walkable;
    std::map<std::string, std::set<std::string>> m_foot_allowed;
    std::map<std::string, std::set<std::string>> m_centres;
    std::map<std::string, std::map<std::string, ServiceSet>> m_services;
    std::vector<std::string> m_class_keys;
    std::map<std::string, std::map<std::string, BarrierClass>> m_classes;
    std::map<std::string, std::set<std::string>> m_exclude;
    std::map<std::string, std::set<std::string>> m_water;
    std::string m_name_tag = "name";
};

}  // namespace gridplan::io
namespace gridplan {
class ConfigNode;
}
namespace gridplan::io {

/// Parses a "households" estimate object (as in data/osm/tags.json); throws ConfigError.
/// `extra_keys` are further keys the caller reads from the same object.
BuildingEstimateConfig parse_building_estimate(const gridplan::ConfigNode& node,
                                               const std::vector<std::string>& extra_keys = {});

/// Path of the OSM driver configuration to pass as CONFIG_FILE (the built-in
/// data/osm/osmconf.ini, placed in GDAL's in-memory file system).
std::string osm_driver_config_path();

} // namespace gridplan::io
