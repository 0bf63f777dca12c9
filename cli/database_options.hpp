#pragma once
// The options of a command whose --out may name a PostgreSQL database instead of a folder:
// where the tables go (schema, prefix), whether they may replace tables, a district's rows
// in shared tables, and the folder for the files that are not layers (--report-dir).

#include "gridplan/io/database.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace gridplan::cli {

class DatabaseOptions {
public:
    /// Registers --report-dir, --schema, --table-prefix, --overwrite and (for a command
    /// that writes one district) --district-id.
    void add_to(CLI::App& app, bool district_rows = true);
    /// The combinations with `out` (the --out value); throws UsageError.
    void check(const std::string& out) const;
    /// The database `out` names, with the options, or nothing for a folder.
    std::optional<io::DatabaseTarget> target(const std::string& out) const;
    /// The folder of the run's files: --report-dir for a database, else `out`.
    const std::string& folder(const std::string& out) const;

private:
    std::string m_report_dir;
    std::string m_schema = "public";
    std::string m_prefix;
    bool m_overwrite = false;
    std::string m_district_id;
};

} // namespace gridplan::cli
