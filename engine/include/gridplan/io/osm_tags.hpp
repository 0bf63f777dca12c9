#pragma once
// The editable mapping from OpenStreetMap tags to barrier classes and water areas
// (data/osm/tags.json), and the OSM driver configuration (data/osm/osmconf.ini).

#include "gridplan/core/barrier.hpp"
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
        for (const auto& [key, values] : m_exclude) {
            const char* v = tag(key);
            if (v != nullptr && values.count(v) > 0) {
                return std::nullopt;
            }
        }
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
    bool is_excluded_landuse(const char* landuse) const {
        return landuse != nullptr && m_households.excluded_landuse.count(landuse) > 0;
    }

private:
    BuildingEstimateConfig m_households;
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
