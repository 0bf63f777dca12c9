#include "gridplan/config/project.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/json_config.hpp"
#include "gridplan/io/osm_tags.hpp"
#include "gridplan/io/output.hpp"

#include <algorithm>
#include <climits>
#include <cmath>

#include <filesystem>

namespace gridplan::config {

namespace fs = std::filesystem;

void OutputConfig::validate() const {
    if (precision < 1 || precision > 15) {
        throw ConfigError{"output.precision", "must be an integer from 1 to 15"};
    }
    try {
        (void)io::OutputFormat::from_name(format);
    } catch (const Error& e) {
        // The same message serves --format and output.format: drop a flag name in it.
        std::string reason = e.what();
        if (reason.rfind("--format ", 0) == 0) {
            reason = "format " + reason.substr(9);
        }
        throw ConfigError{"output.format", reason};
    }
    if (!crs.empty()) {
        try {
            (void)crs::Crs::from_user_input(crs);
        } catch (const Error& e) {
            throw ConfigError{"output.crs", e.what()};
        }
    }
}

void validate_working_crs(const std::string& text) {
    if (text.empty()) {
        return;
    }
    crs::Crs c;
    try {
        c = crs::Crs::from_user_input(text);
    } catch (const Error& e) {
        throw ConfigError{"crs", std::string{e.what()} + " (give a projected CRS in metres, such as EPSG:32650)"};
    }
    if (c.is_geographic()) {
        throw ConfigError{"crs", "the working CRS must be projected (metres), got the geographic " + c.label() +
                                     " (leave it out for the UTM zone of the district, or give one such as "
                                     "EPSG:32650)"};
    }
}

std::string resolve_path(const std::string& path, const std::string& base_dir) {
    if (path.empty() || path.rfind("PG:", 0) == 0 || path.rfind("/vsi", 0) == 0 ||
        path.find("://") != std::string::npos || fs::path{path}.is_absolute()) {
        return path;
    }
    return (fs::path{base_dir} / path).lexically_normal().string();
}

namespace {

const std::vector<std::string> source_keys{"path", "layer", "sql", "where", "open_options"};

std::vector<std::string> with(std::vector<std::string> keys, const std::vector<std::string>& more) {
    keys.insert(keys.end(), more.begin(), more.end());
    return keys;
}

io::SourceSpec parse_source(const ConfigNode& node, const std::vector<std::string>& allowed,
                            const std::string& base_dir) {
    io::SourceSpec s;
    s.config_key = node.key();
    if (node.json().is_string()) {
        s.path = resolve_path(node.json().get<std::string>(), base_dir);
        return s;
    }
    node.expect_object(allowed);
    const auto path = node.get_string("path");
    if (!path || path->empty()) {
        node.fail("path", "missing: the file or connection string of this source");
    }
    s.path = resolve_path(*path, base_dir);
    s.layer = node.get_string("layer").value_or("");
    s.sql = node.get_string("sql").value_or("");
    if (!s.sql.empty() && !s.layer.empty()) {
        node.fail("sql", "give either \"layer\" or \"sql\", not both");
    }
    s.where = node.get_string("where").value_or("");
    for (const auto& o : node.array("open_options")) {
        if (!o.json().is_string()) {
            o.fail({}, "expected a string such as \"KEY=VALUE\"");
        }
        s.open_options.push_back(o.json().get<std::string>());
    }
    return s;
}

BarrierClass parse_class(const ConfigNode& node, const std::string& key, const std::string& value) {
    const auto c = parse_barrier_class(value);
    if (!c) {
        node.fail(key, "unknown barrier class '" + value + "'; allowed: " + barrier_class_names());
    }
    return *c;
}

io::BarrierSpec parse_barrier(const ConfigNode& node, const std::string& base_dir) {
    static const std::vector<std::string> keys =
        with(source_keys, {"class", "class_field", "class_map", "default_class", "name_field", "osm_tags", "walkable"});
    io::BarrierSpec b;
    b.source = parse_source(node, keys, base_dir);
    if (node.json().is_string()) {
        if (io::is_osm_path(b.source.path)) {
            b.rule = io::BarrierSpec::Rule::osm;
            return b;
        }
        node.fail({}, "a barrier source needs \"class\" (river, road, street, alley or osm) or \"class_field\"");
    }
    const auto cls = node.get_string("class");
    const auto field = node.get_string("class_field");
    if (cls && field) {
        node.fail("class_field", "give either \"class\" or \"class_field\", not both");
    }
    if (cls) {
        if (*cls == "osm") {
            b.rule = io::BarrierSpec::Rule::osm;
            if (auto tags = node.get_string("osm_tags")) {
                b.osm_tags = resolve_path(*tags, base_dir);
            }
        } else {
            b.rule = io::BarrierSpec::Rule::fixed;
            b.fixed_class = parse_class(node, "class", *cls);
        }
    } else if (field) {
        b.rule = io::BarrierSpec::Rule::field;
        b.class_field = *field;
        if (node.has("class_map")) {
            const ConfigNode map = node.child("class_map");
            if (!map.json().is_object()) {
                map.fail({}, "expected an object mapping field values to classes");
            }
            for (const auto& item : map.json().items()) {
                if (!item.value().is_string()) {
                    map.fail(item.key(), "expected a class name: " + barrier_class_names());
                }
                b.class_map[item.key()] = parse_class(map, item.key(), item.value().get<std::string>());
            }
        }
    } else if (io::is_osm_path(b.source.path)) {
        b.rule = io::BarrierSpec::Rule::osm;
    } else {
        node.fail({}, "missing \"class\" (river, road, street, alley or osm) or \"class_field\"");
    }
    if (auto d = node.get_string("default_class")) {
        if (b.rule != io::BarrierSpec::Rule::field) {
            node.fail("default_class", "only used with \"class_field\"");
        }
        b.default_class = parse_class(node, "default_class", *d);
    }
    if (node.has("class_map") && b.rule != io::BarrierSpec::Rule::field) {
        node.fail("class_map", "only used with \"class_field\"");
    }
    if (node.has("osm_tags") && b.rule != io::BarrierSpec::Rule::osm) {
        node.fail("osm_tags", "only used with \"class\": \"osm\"");
    }
    b.name_field = node.get_string("name_field").value_or("");
    b.walkable = node.get_bool("walkable").value_or(true);
    return b;
}

io::HouseholdSpec parse_households(const ConfigNode& h, const std::string& base_dir) {
    io::HouseholdSpec hs;
    hs.source = parse_source(h, with(source_keys, {"count_field", "buildings", "building_id_field", "register", "totals",
                                                   "population_raster"}),
                             base_dir);
    if (h.json().is_string()) {
        return hs;
    }
    const bool buildings = h.has("buildings");
    const bool reg = h.has("register");
    if (buildings && reg) {
        h.fail("register", "give either \"buildings\" (estimate from footprints) or \"register\", not both");
    }
    if (buildings) {
        if (h.has("count_field")) {
            h.fail("count_field", "not used with \"buildings\": households are estimated from footprints");
        }
        hs.mode = io::HouseholdSpec::Mode::buildings;
        const ConfigNode b = h.child("buildings");
        hs.estimate = io::parse_building_estimate(b, {"levels_field", "type_field", "height_field"});
        hs.levels_field = b.get_string("levels_field").value_or("");
        hs.height_field = b.get_string("height_field").value_or("");
        hs.type_field = b.get_string("type_field").value_or("");
        if (!hs.type_field.empty() && hs.estimate.residential_levels.empty() &&
            hs.estimate.unspecified_levels.empty()) {
            b.fail("residential_buildings", "missing: with \"type_field\", list the residential building types");
        }
        return hs;
    }
    if (reg) {
        hs.mode = io::HouseholdSpec::Mode::register_join;
        hs.building_id_field = h.get_string("building_id_field").value_or("");
        if (hs.building_id_field.empty()) {
            h.fail("building_id_field", "missing: the buildings' id field to join the register on");
        }
        const ConfigNode r = h.child("register");
        hs.register_source = parse_source(r, with(source_keys, {"building_id_field", "count_field"}), base_dir);
        if (r.json().is_string()) {
            r.fail({}, "expected an object with path, building_id_field and count_field");
        }
        hs.register_id_field = r.get_string("building_id_field").value_or(hs.building_id_field);
        hs.count_field = r.get_string("count_field").value_or("");
        if (hs.count_field.empty()) {
            r.fail("count_field", "missing: the register's household count field");
        }
        return hs;
    }
    if (h.has("building_id_field")) {
        h.fail("building_id_field", "only used with \"register\"");
    }
    hs.count_field = h.get_string("count_field").value_or("");
    return hs;
}

/// An integer key as an int, clamped so that validate() (not a silent narrowing) rejects
/// a value outside int's range with the key's own message.
std::optional<int> get_int(const ConfigNode& node, const std::string& key) {
    const auto v = node.get_integer(key);
    if (!v) {
        return std::nullopt;
    }
    return static_cast<int>(std::clamp<long long>(*v, INT_MIN, INT_MAX));
}

} // namespace

ProjectConfig load_project_config(const std::string& path) {
    const nlohmann::json root = read_json_file(path);
    const ConfigNode node{root, "", path};
    node.expect_object({"name", "description", "crs", "boundary", "barriers", "water", "land", "sea", "households",
                        "centres",
                        "facilities", "units", "unit_areas", "nest_within", "blocks", "network", "coverage", "plan",
                        "output"});
    const std::string base_dir = fs::path{path}.parent_path().string();

    ProjectConfig c;
    c.path = path;
    c.name = node.get_string("name").value_or("");
    (void)node.get_string("description");
    c.district.working_crs = node.get_string("crs").value_or("");

    if (!node.has("boundary")) {
        node.fail("boundary", "missing: the district boundary (a polygon layer)");
    }
    c.district.boundary.kind = io::BoundarySpec::Kind::source;
    c.district.boundary.source = parse_source(node.child("boundary"), source_keys, base_dir);

    if (!node.has("barriers")) {
        node.fail("barriers", "missing: at least one source of barrier lines");
    }
    if (!root["barriers"].is_array()) {
        node.fail("barriers", "expected an array of barrier sources");
    }
    for (const auto& b : node.array("barriers")) {
        c.district.barriers.push_back(parse_barrier(b, base_dir));
    }
    if (c.district.barriers.empty()) {
        node.fail("barriers", "empty: name at least one source of barrier lines");
    }
    for (const auto& w : node.array("water")) {
        c.district.water.push_back(parse_source(w, source_keys, base_dir));
    }
    for (const auto& l : node.array("land")) {
        c.district.land.push_back(parse_source(l, source_keys, base_dir));
    }
    for (const auto& l : node.array("sea")) {
        c.district.sea.push_back(parse_source(l, source_keys, base_dir));
    }
    if (node.has("households")) {
        const ConfigNode h = node.child("households");
        if (h.json().is_object() && h.has("totals")) {
            const ConfigNode t = h.child("totals");
            io::HouseholdTotalsSpec totals;
            totals.source = parse_source(t, with(source_keys, {"count_field"}), base_dir);
            totals.count_field = t.json().is_object() ? t.get_string("count_field").value_or("") : "";
            if (totals.count_field.empty()) {
                t.fail("count_field", "missing: the field holding each area's number of households");
            }
            c.district.household_totals = totals;
        }
        if (h.json().is_object() && h.has("population_raster")) {
            const ConfigNode r = h.child("population_raster");
            io::PopulationRasterSpec raster;
            raster.source = parse_source(r, with(source_keys, {"band", "persons_per_household"}), base_dir);
            if (r.json().is_object()) {
                raster.band = get_int(r, "band").value_or(raster.band);
                raster.persons_per_household =
                    r.get_number("persons_per_household").value_or(raster.persons_per_household);
            }
            c.district.population_raster = raster;
        }
        // {"totals": ...} or {"population_raster": ...} alone: households estimated from the
        // OSM buildings, with those.
        const bool alone = h.json().is_object() && !h.has("path") && (h.has("totals") || h.has("population_raster"));
        if (!alone) {
            c.district.households = parse_households(h, base_dir);
        } else {
            h.expect_object({"totals", "population_raster"});
        }
    }
    auto feature_layer = [&node, &base_dir](const char* key) -> std::optional<io::FeatureLayerSpec> {
        if (!node.has(key)) {
            return std::nullopt;
        }
        const ConfigNode n = node.child(key);
        io::FeatureLayerSpec f;
        f.source = parse_source(
            n, with(source_keys, {"id_field", "name_field", "services_field", "kind_field", "service_map"}), base_dir);
        if (!n.json().is_string()) {
            f.id_field = n.get_string("id_field").value_or("");
            f.name_field = n.get_string("name_field").value_or("");
            f.services_field = n.get_string("services_field").value_or("");
            f.kind_field = n.get_string("kind_field").value_or("");
            if (n.has("service_map")) {
                const ConfigNode map = n.child("service_map");
                if (!map.json().is_object()) {
                    map.fail({}, "expected an object mapping field values to service names");
                }
                for (const auto& item : map.json().items()) {
                    const auto s = item.value().is_string() ? parse_service(item.value().get<std::string>())
                                                            : std::nullopt;
                    if (!s) {
                        map.fail(item.key(), "expected one of " + service_names());
                    }
                    f.service_map[item.key()] = std::string{to_string(*s)};
                }
            }
        }
        return f;
    };
    c.district.centres = feature_layer("centres");
    c.district.facilities = feature_layer("facilities");
    c.district.units = feature_layer("units");
    c.district.unit_areas = feature_layer("unit_areas");
    if (node.has("blocks")) {
        const ConfigNode b = node.child("blocks");
        b.expect_object({"min_area_m2", "min_width_m", "grid_size_m", "match_tolerance_m"});
        c.blocks.min_area_m2 = b.get_number("min_area_m2").value_or(c.blocks.min_area_m2);
        c.blocks.min_width_m = b.get_number("min_width_m").value_or(c.blocks.min_width_m);
        c.blocks.grid_size_m = b.get_number("grid_size_m").value_or(c.blocks.grid_size_m);
        c.blocks.match_tolerance_m = b.get_number("match_tolerance_m").value_or(c.blocks.match_tolerance_m);
    }
    if (node.has("network")) {
        const ConfigNode n = node.child("network");
        n.expect_object({"junction_tolerance_m", "snap_cap_m"});
        c.coverage.network.junction_tolerance_m =
            n.get_number("junction_tolerance_m").value_or(c.coverage.network.junction_tolerance_m);
        c.coverage.network.snap_cap_m = n.get_number("snap_cap_m").value_or(c.coverage.network.snap_cap_m);
    }
    if (node.has("coverage")) {
        const ConfigNode n = node.child("coverage");
        n.expect_object({"preset", "radius_min", "speed_kmh", "service_radius_min", "service_area_buffer_m"});
        if (auto preset = n.get_string("preset")) {
            if (*preset != "gb50180") {
                n.fail("preset", "unknown preset '" + *preset + "'; known: gb50180");
            }
            const auto network = c.coverage.network;
            c.coverage = coverage::CoverageConfig::gb50180();
            c.coverage.network = network;
        }
        for (const char* key : {"radius_min", "speed_kmh"}) {
            if (n.has(key)) {
                c.given.insert(std::string{"coverage."} + key);
            }
        }
        c.coverage.radius_min = n.get_number("radius_min").value_or(c.coverage.radius_min);
        c.coverage.speed_kmh = n.get_number("speed_kmh").value_or(c.coverage.speed_kmh);
        c.coverage.service_area_buffer_m = n.get_number("service_area_buffer_m").value_or(c.coverage.service_area_buffer_m);
        if (n.has("service_radius_min")) {
            const ConfigNode r = n.child("service_radius_min");
            std::vector<std::string> names;
            for (const Service s : all_services) {
                names.emplace_back(to_string(s));
            }
            r.expect_object(names);
            for (const Service s : all_services) {
                if (auto v = r.get_number(std::string{to_string(s)})) {
                    c.coverage.service_radius_min[static_cast<std::size_t>(s)] = *v;
                    c.given.insert("coverage.service_radius_min." + std::string{to_string(s)});
                }
            }
        }
    }
    if (node.has("nest_within")) {
        c.nest_within = parse_source(node.child("nest_within"), source_keys, base_dir);
    }
    if (node.has("plan")) {
        const ConfigNode n = node.child("plan");
        n.expect_object({"preset", "households_per_grid", "tolerance", "grids", "walk_minutes", "speed_kmh", "seed",
                         "rounds", "code_prefix", "budget_per_household", "centre_relocate_share", "tuning"});
        if (auto preset = n.get_string("preset")) {
            if (*preset != "gb50180") {
                n.fail("preset", "unknown preset '" + *preset + "'; known: gb50180");
            }
            c.plan = partition::PartitionConfig::gb50180();
        }
        for (const char* key : {"households_per_grid", "tolerance", "walk_minutes", "speed_kmh"}) {
            if (n.has(key)) {
                c.given.insert(std::string{"plan."} + key);
            }
        }
        c.plan.households_per_grid = n.get_number("households_per_grid").value_or(c.plan.households_per_grid);
        c.plan.tolerance = n.get_number("tolerance").value_or(c.plan.tolerance);
        c.plan.grids = get_int(n, "grids").value_or(c.plan.grids);
        c.plan.set_walk(n.get_number("walk_minutes").value_or(c.plan.walk_minutes),
                        n.get_number("speed_kmh").value_or(c.plan.speed_kmh));
        if (auto seed = n.get_number("seed")) {
            if (!(*seed >= 0.0 && *seed <= static_cast<double>(partition::PartitionConfig::max_seed)) ||
                std::floor(*seed) != *seed) {
                n.fail("seed", partition::PartitionConfig::seed_range);
            }
            c.plan.seed = static_cast<std::uint64_t>(*seed);
        }
        c.plan.rounds = get_int(n, "rounds").value_or(c.plan.rounds);
        c.plan.code_prefix = n.get_string("code_prefix").value_or(c.plan.code_prefix);
        c.plan.budget_per_household = n.get_number("budget_per_household").value_or(c.plan.budget_per_household);
        c.plan.centre_relocate_share = n.get_number("centre_relocate_share").value_or(c.plan.centre_relocate_share);
        if (n.has("tuning")) {
            const ConfigNode t = n.child("tuning");
            t.expect_object({"atom_snap_m", "site_snap_m"});
            c.plan.tuning.atom_snap_m = t.get_number("atom_snap_m").value_or(c.plan.tuning.atom_snap_m);
            c.plan.tuning.site_snap_m = t.get_number("site_snap_m").value_or(c.plan.tuning.site_snap_m);
        }
    }
    if (node.has("output")) {
        const ConfigNode o = node.child("output");
        o.expect_object({"format", "crs", "precision"});
        c.output.format = o.get_string("format").value_or(c.output.format);
        c.output.crs = o.get_string("crs").value_or("");
        c.output.precision = get_int(o, "precision").value_or(c.output.precision);
    }
    try {
        validate_working_crs(c.district.working_crs);
        c.blocks.validate();
        c.coverage.validate();
        c.plan.validate();
        c.output.validate();
    } catch (const ConfigError& e) {
        throw ConfigError{e.key(), e.reason(), path};
    }
    return c;
}

partition::PartitionConfig plan_with_gb50180(const ProjectConfig& cfg) {
    const partition::PartitionConfig preset = partition::PartitionConfig::gb50180();
    partition::PartitionConfig plan = cfg.plan;
    const auto given = [&cfg](const char* key) { return cfg.given.count(key) > 0; };
    if (!given("plan.households_per_grid")) {
        plan.households_per_grid = preset.households_per_grid;
    }
    if (!given("plan.tolerance")) {
        plan.tolerance = preset.tolerance;
    }
    plan.set_walk(given("plan.walk_minutes") ? plan.walk_minutes : preset.walk_minutes,
                  given("plan.speed_kmh") ? plan.speed_kmh : preset.speed_kmh);
    return plan;
}

coverage::CoverageConfig coverage_with_gb50180(const ProjectConfig& cfg) {
    const coverage::CoverageConfig preset = coverage::CoverageConfig::gb50180();
    coverage::CoverageConfig cov = cfg.coverage;
    const auto given = [&cfg](const std::string& key) { return cfg.given.count(key) > 0; };
    if (!given("coverage.radius_min")) {
        cov.radius_min = preset.radius_min;
    }
    if (!given("coverage.speed_kmh")) {
        cov.speed_kmh = preset.speed_kmh;
    }
    for (const Service s : all_services) {
        const auto k = static_cast<std::size_t>(s);
        if (!given("coverage.service_radius_min." + std::string{to_string(s)})) {
            cov.service_radius_min[k] = preset.service_radius_min[k];
        }
    }
    return cov;
}

} // namespace gridplan::config
