#include "database_options.hpp"

#include "gridplan/core/error.hpp"

namespace gridplan::cli {

void DatabaseOptions::add_to(CLI::App& app, bool district_rows) {
    app.add_option("--report-dir", m_report_dir,
                   "With --out PG:...: the folder for the run's other files (the manifest, report.html, styles)");
    app.add_option("--schema", m_schema, "With --out PG:...: the schema of the tables (created if missing; default public)");
    app.add_option("--table-prefix", m_prefix, "With --out PG:...: put before each table's name, e.g. d370705_");
    app.add_flag("--overwrite", m_overwrite, "With --out PG:...: replace tables that exist");
    if (!district_rows) {
        return;
    }
    app.add_option("--district-id", m_district_id,
                   "With --out PG:...: write into tables shared by many districts, each row tagged with this id in "
                   "a district_id column; a rerun replaces only this district's rows");
}

void DatabaseOptions::check(const std::string& out) const {
    if (!io::DatabaseTarget::names_database(out)) {
        if (!m_report_dir.empty() || m_schema != "public" || !m_prefix.empty() || m_overwrite ||
            !m_district_id.empty()) {
            throw UsageError{"--report-dir, --schema, --table-prefix, --overwrite and --district-id go with a "
                             "database output (--out PG:...)"};
        }
        return;
    }
    if (m_report_dir.empty()) {
        throw UsageError{"--out PG:... writes the layers as tables; give --report-dir DIR for the manifest, "
                         "report.html and the styles"};
    }
    if (io::DatabaseTarget::names_database(m_report_dir)) {
        throw UsageError{"--report-dir: a folder, not a database"};
    }
    if (m_overwrite && !m_district_id.empty()) {
        throw UsageError{"--overwrite goes with whole tables; a --district-id run replaces its own rows already"};
    }
    target(out)->validate();
}

std::optional<io::DatabaseTarget> DatabaseOptions::target(const std::string& out) const {
    if (!io::DatabaseTarget::names_database(out)) {
        return std::nullopt;
    }
    io::DatabaseTarget t;
    t.connection = out;
    t.schema = m_schema;
    t.table_prefix = m_prefix;
    t.overwrite = m_overwrite;
    t.district_id = m_district_id;
    return t;
}

const std::string& DatabaseOptions::folder(const std::string& out) const {
    return io::DatabaseTarget::names_database(out) ? m_report_dir : out;
}

} // namespace gridplan::cli
