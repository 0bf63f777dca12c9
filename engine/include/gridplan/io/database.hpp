#pragma once
// Writing a run's layers into PostgreSQL/PostGIS tables (--out PG:...), with nothing
// half-written: every layer goes into a staging table in its own transaction, and the
// staged tables become the real ones together, in one transaction.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

class GDALDataset;

namespace gridplan::io {

/// Where --out PG:... puts a run's layers.
struct DatabaseTarget {
    /// A GDAL connection string ("PG:dbname=gis host=db service=..."): libpq reads
    /// PGSERVICE, PGPASSFILE and the other PG* variables as usual.
    std::string connection;
    std::string schema = "public";
    /// Put before each layer's name: "d370705_" writes d370705_grids, d370705_blocks, ...
    std::string table_prefix;
    /// Replace tables that exist (else a run that would replace one fails before writing).
    bool overwrite = false;
    /// Not empty: the layers go into tables shared by many districts, each row tagged with
    /// this id in a `district_id` column; a run replaces the rows of its own district only.
    std::string district_id;

    /// Whether an --out value names a database ("PG:...") rather than a folder.
    static bool names_database(const std::string& out);
    /// Checks the names (a schema and prefix of lowercase letters, digits and '_'); throws
    /// UsageError naming the flag.
    void validate() const;
    /// The connection string with any password masked, for messages and manifests.
    std::string masked_connection() const;
};

/// The tables of one run, staged then published. Opening it connects, makes sure the
/// schema exists, takes the run's lock on the table prefix (a second run writing the
/// same tables fails at once; district runs take it only while publishing) and drops
/// staging tables that killed runs left behind.
class DatabaseOutput {
public:
    explicit DatabaseOutput(DatabaseTarget target);
    /// Drops the staging tables of a run that did not publish.
    ~DatabaseOutput();
    DatabaseOutput(const DatabaseOutput&) = delete;
    DatabaseOutput& operator=(const DatabaseOutput&) = delete;
    DatabaseOutput(DatabaseOutput&&) = delete;
    DatabaseOutput& operator=(DatabaseOutput&&) = delete;

    const DatabaseTarget& target() const noexcept { return m_target; }
    /// Copies every layer of the vector dataset at `path` (but QGIS's layer_styles) into a
    /// staging table, one transaction per layer. Fails, before writing anything, when a
    /// table would be replaced without `overwrite`, or two layers share a name.
    void stage(const std::string& path);
    /// Makes the staged tables the real ones in one transaction: renamed into place
    /// (replacing older tables), or for a district run, its rows in the shared tables
    /// replaced by the staged ones (tables created on first use).
    void publish();
    /// For the manifest: connection (masked), schema, prefix, district id, and each table
    /// with its feature count; `seconds` is the time spent writing.
    nlohmann::json describe() const;

private:
    struct Table {
        std::string layer;    ///< the layer's name, as in a file output
        std::string name;     ///< the table: prefix + layer
        std::string staging;  ///< where it is staged
        std::int64_t features = 0;
    };

    void exec(const std::string& sql, const std::string& table = {});
    /// The first column of each row of a query's result.
    std::vector<std::string> query(const std::string& sql);
    bool table_exists(const std::string& name);
    std::string qualified(const std::string& table) const;
    /// Renames `from` (with its indexes and fid sequence) to `to`.
    void rename_table(const std::string& from, const std::string& to);
    void drop_leftovers();
    void drop_staging() noexcept;
    [[noreturn]] void fail(const std::string& what, const std::string& table = {}) const;

    DatabaseTarget m_target;
    std::unique_ptr<GDALDataset, void (*)(GDALDataset*)> m_ds;
    std::string m_backend;  ///< our server process id, in staging tables' names
    std::vector<Table> m_tables;
    bool m_published = false;
    double m_seconds = 0.0;
};

} // namespace gridplan::io
