#include "district_options.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/wrap/gdal.hpp"

#include <charconv>
#include <sstream>

namespace gridplan::cli {

void DistrictOptions::add_to(CLI::App& app, bool with_output) {
    m_with_output = with_output;
    app.add_option("config", m_config, "District config (JSON, comments allowed)");
    app.add_option("--osm", m_osm, "Read the district from an OpenStreetMap extract (.osm.pbf)");
    app.add_option("--boundary", m_boundary,
                   "With --osm: the district, as a polygon file, admin:NAME or admin_level:N "
                   "(default: the admin boundary holding most residential buildings, else the outline of the "
                   "built-up area)");
    app.add_option("--osm-tags", m_osm_tags, "With --osm: tag mapping file (default: built-in data/osm/tags.json)");
    app.add_option("--households", m_households, "Household points layer (overrides the config's)");
    app.add_option("--count-field", m_count_field, "With --households: field holding the household count (default: the config's; \"\" counts each point as 1)");
    app.add_option("--household-totals", m_totals,
                   "Polygons with known household totals (census, register), shared out over the residential "
                   "buildings inside each by floor area (households estimated from buildings)");
    app.add_option("--totals-field", m_totals_field,
                   "With --household-totals: the field holding each area's households (default households)");
    app.add_option("--population-raster", m_raster,
                   "A raster of persons per cell (GHSL, WorldPop, any GDAL raster), shared out over the residential "
                   "buildings in each cell by floor area (households estimated from buildings)");
    app.add_option("--persons-per-household", m_persons_per_household,
                   "With --population-raster: persons per household, 0.5 to 20 (default 2.8)");
    app.add_option("--crs", m_crs, "Working metric CRS (default: UTM zone of the district centroid)");
    if (!with_output) {
        return;
    }
    app.add_option("--out,-o", m_out,
                   "Output directory (created if missing), or a PostgreSQL database (PG:\"dbname=... host=...\") "
                   "for the layers as tables")
        ->required();
    app.add_option("--format,-f", m_format, "Output format: geojson (default), gpkg, shp or a GDAL vector driver");
    app.add_option("--output-crs", m_output_crs,
                   "CRS of non-GeoJSON outputs, e.g. EPSG:4549 (default: the boundary input's CRS)");
    app.add_option("--precision", m_precision, "Decimals of GeoJSON coordinates (default 7)");
    m_database.add_to(app);
}

void DistrictOptions::check(const std::string& command) const {
    if (m_config.empty() == m_osm.empty()) {
        throw UsageError{command + ": give either CONFIG.json or --osm FILE (run 'gridplan help " + command + "')"};
    }
    if (!m_config.empty() && (!m_boundary.empty() || !m_osm_tags.empty())) {
        throw UsageError{command + ": --boundary and --osm-tags go with --osm; a config names its own boundary"};
    }
    if (m_count_field && m_households.empty()) {
        throw UsageError{command + ": --count-field goes with --households"};
    }
    if (!m_households.empty() && !m_totals.empty()) {
        throw UsageError{command + ": --household-totals goes with households estimated from buildings, "
                                   "not with --households points"};
    }
    if (!m_raster.empty() && (!m_households.empty() || !m_totals.empty())) {
        throw UsageError{command + ": --population-raster goes with households estimated from buildings, "
                                   "without --households or --household-totals"};
    }
    if (m_persons_per_household && m_raster.empty()) {
        throw UsageError{"--persons-per-household goes with --population-raster"};
    }
    if (m_persons_per_household && !(*m_persons_per_household >= 0.5 && *m_persons_per_household <= 20.0)) {
        throw UsageError{"--persons-per-household: must be from 0.5 to 20, got " +
                         flag_text(*m_persons_per_household)};
    }
    if (m_totals_field.empty()) {
        throw UsageError{"--totals-field: an empty field name"};
    }
    if (m_with_output && m_out.empty()) {
        throw UsageError{"--out: an empty path; give the output directory"};
    }
    if (m_with_output) {
        m_database.check(m_out);
        if (io::DatabaseTarget::names_database(m_out) && (!m_format.empty() || m_precision)) {
            throw UsageError{"--format and --precision go with a folder output; --out PG:... writes tables"};
        }
    }
    check_flags([this] { config::validate_working_crs(m_crs); }, {{"crs", "--crs", ""}});
    config::OutputConfig output;
    std::vector<FlagValue> flags;
    if (!m_format.empty()) {
        output.format = m_format;
    }
    if (!m_output_crs.empty()) {
        output.crs = m_output_crs;
    }
    if (m_precision) {
        output.precision = *m_precision;
        flags.push_back({"output.precision", "--precision", std::to_string(*m_precision)});
    }
    // The format's and CRS's own messages name the value already.
    flags.push_back({"output.format", "--format", ""});
    flags.push_back({"output.crs", "--output-crs", ""});
    check_flags([&output] { output.validate(); }, flags);
}

namespace {

/// Whether the config's count field goes on with a --households layer: yes if the layer
/// has it, no for an empty layer (left to the "no households" error); else a UsageError.
bool keeps_count_field(const std::string& path, const std::string& field) {
    wrap::gdal_init();
    const GDALDatasetUniquePtr ds = wrap::open_vector(path);
    OGRLayer& layer = wrap::find_layer(*ds, path, "");
    if (layer.GetLayerDefn()->GetFieldIndex(field.c_str()) >= 0) {
        return true;
    }
    if (layer.GetFeatureCount(TRUE) == 0) {
        return false;
    }
    throw UsageError{"--households " + path + ": no field '" + field +
                     "' (the config's households.count_field, kept for --households); give --count-field FIELD, "
                     "or --count-field \"\" to count each point as one household"};
}

} // namespace

config::ProjectConfig DistrictOptions::load() const {
    config::ProjectConfig cfg;
    if (!m_config.empty()) {
        cfg = config::load_project_config(m_config);
    } else {
        cfg.district = io::osm_district_spec(m_osm, m_boundary, m_osm_tags);
    }
    if (!m_households.empty()) {
        io::HouseholdSpec h;
        h.source.path = m_households;
        h.source.config_key = "--households";
        // The config's count field goes on with its point layer (a new snapshot of the
        // same file); --count-field "" counts each point as one household.
        const bool config_points = cfg.district.households &&
                                   cfg.district.households->mode == io::HouseholdSpec::Mode::points;
        h.count_field = m_count_field.value_or(config_points ? cfg.district.households->count_field : "");
        if (!m_count_field && !h.count_field.empty() && !keeps_count_field(h.source.path, h.count_field)) {
            h.count_field.clear();
        }
        cfg.district.households = h;
    }
    if (!m_totals.empty()) {
        io::HouseholdTotalsSpec t;
        t.source.path = m_totals;
        t.source.config_key = "--household-totals";
        t.count_field = m_totals_field;
        cfg.district.household_totals = t;
    }
    if (!m_raster.empty()) {
        io::PopulationRasterSpec r;
        r.source.path = m_raster;
        r.source.config_key = "--population-raster";
        r.persons_per_household = m_persons_per_household.value_or(r.persons_per_household);
        cfg.district.household_totals.reset();
        cfg.district.population_raster = r;
    }
    if (!m_crs.empty()) {
        cfg.district.working_crs = m_crs;
    }
    return cfg;
}

io::OutputOptions DistrictOptions::output_options(config::ProjectConfig& cfg) const {
    if (!m_format.empty()) {
        cfg.output.format = m_format;
    }
    if (!m_output_crs.empty()) {
        cfg.output.crs = m_output_crs;
    }
    if (m_precision) {
        cfg.output.precision = *m_precision;
    }
    cfg.output.validate();
    io::OutputOptions options;
    options.format = io::DatabaseTarget::names_database(m_out) ? io::OutputFormat::for_database()
                                                                : io::OutputFormat::from_name(cfg.output.format);
    options.coordinate_precision = cfg.output.precision;
    if (!cfg.output.crs.empty()) {
        options.crs = crs::Crs::from_user_input(cfg.output.crs);
    }
    return options;
}

void DistrictOptions::finish(io::OutputOptions& options, io::OutputDir& out, const io::District& district) const {
    if (options.crs.empty()) {
        options.crs = district.input_crs;
    }
    if (district.from_osm) {
        options.description = "Contains data © OpenStreetMap contributors, ODbL 1.0";
    }
    out.protect(district.input_files);
    out.protect({m_config, m_osm_tags});
}

io::SourceSpec layer_from_flag(const std::string& value, const std::string& flag) {
    io::SourceSpec s;
    s.path = value;
    s.config_key = flag;
    const auto bar = value.rfind('|');
    if (bar != std::string::npos) {
        s.path = value.substr(0, bar);
        s.layer = value.substr(bar + 1);
    }
    return s;
}

void check_flags(const std::function<void()>& validate, const std::vector<FlagValue>& flags) {
    try {
        validate();
    } catch (const ConfigError& e) {
        for (const auto& f : flags) {
            if (f.key == e.key()) {
                throw UsageError{f.flag + ": " + e.reason() + (f.value.empty() ? "" : ", got " + f.value)};
            }
        }
        if (e.key().rfind("--", 0) == 0) {
            throw UsageError{e.key() + ": " + e.reason()};
        }
        throw UsageError{e.what()};
    }
}

std::string flag_text(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

std::uint64_t parse_whole_flag(const std::string& text, const std::string& flag, std::uint64_t min,
                               std::uint64_t max) {
    std::uint64_t v = 0;
    const char* first = text.data();
    const char* last = text.data() + text.size();
    const auto [end, ec] = std::from_chars(first, last, v);
    if (text.empty() || ec != std::errc{} || end != last || v < min || v > max) {
        throw UsageError{flag + ": must be a whole number from " + std::to_string(min) + " to " +
                         std::to_string(max) + ", got '" + text + "'"};
    }
    return v;
}

std::string seconds(std::chrono::steady_clock::duration d) {
    return format_fixed(std::chrono::duration<double>(d).count(), 2) + " s";
}

} // namespace gridplan::cli
