#include "gridplan/io/database.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/wrap/gdal.hpp"

#include <chrono>
#include <cmath>
#include <set>

namespace gridplan::io {

namespace {

/// QGIS's table of styles in a GeoPackage: not a layer of the run.
constexpr const char* styles_table = "layer_styles";
constexpr const char* staging_prefix = "gp_stage_";
/// PostgreSQL cuts identifiers at 63 bytes.
constexpr std::size_t max_identifier = 63;

bool is_plain_identifier(const std::string& s, bool allow_empty) {
    if (s.empty()) {
        return allow_empty;
    }
    if (s.size() > 40 || (s[0] >= '0' && s[0] <= '9')) {
        return false;
    }
    for (const char c : s) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return true;
}

/// `s` as an SQL string literal.
std::string literal(const std::string& s) {
    std::string out = "'";
    for (const char c : s) {
        out += c;
        if (c == '\'') {
            out += '\'';
        }
    }
    return out + "'";
}

std::string ident(const std::string& identifier) { return "\"" + identifier + "\""; }

/// Rolls back a transaction that did not commit.
class Transaction {
public:
    explicit Transaction(GDALDataset& ds) : m_ds(ds) {
        const wrap::CplMessageCapture capture;
        if (m_ds.StartTransaction(TRUE) != OGRERR_NONE) {
            throw InputError{"cannot start a transaction: " + capture.last_error()};
        }
    }
    ~Transaction() {
        if (!m_done) {
            const wrap::CplMessageCapture capture;
            m_ds.RollbackTransaction();
        }
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    Transaction(Transaction&&) = delete;
    Transaction& operator=(Transaction&&) = delete;

    /// Returns the failure message, "" when committed.
    std::string commit() {
        const wrap::CplMessageCapture capture;
        m_done = true;
        if (m_ds.CommitTransaction() != OGRERR_NONE) {
            const std::string why = capture.last_error();
            return why.empty() ? std::string{"the commit failed"} : why;
        }
        return {};
    }

private:
    GDALDataset& m_ds;
    bool m_done = false;
};

void close_dataset(GDALDataset* ds) {
    if (ds != nullptr) {
        GDALClose(ds);
    }
}

} // namespace

bool DatabaseTarget::names_database(const std::string& out) {
    return out.size() >= 3 && (out[0] == 'P' || out[0] == 'p') && (out[1] == 'G' || out[1] == 'g') && out[2] == ':';
}

void DatabaseTarget::validate() const {
    if (!names_database(connection)) {
        throw UsageError{"--out: a database output is a GDAL connection string starting with PG:, got '" +
                         masked_connection() + "'"};
    }
    if (!is_plain_identifier(schema, false)) {
        throw UsageError{"--schema: must be 1 to 40 lowercase letters, digits and '_', not starting with a digit, got '" +
                         schema + "'"};
    }
    if (!is_plain_identifier(table_prefix, true)) {
        throw UsageError{"--table-prefix: must be up to 40 lowercase letters, digits and '_', not starting with a "
                         "digit, got '" +
                         table_prefix + "'"};
    }
    if (district_id.size() > 100 ||
        district_id.find_first_of(std::string{"\0\r\n\t", 4}) != std::string::npos) {
        throw UsageError{"--district-id: must be up to 100 characters on one line"};
    }
}

std::string DatabaseTarget::masked_connection() const { return wrap::mask_password(connection); }

DatabaseOutput::DatabaseOutput(DatabaseTarget target) : m_target(std::move(target)), m_ds(nullptr, close_dataset) {
    m_target.validate();
    wrap::gdal_init();
    const wrap::CplMessageCapture capture;
    const char* const drivers[] = {"PostgreSQL", nullptr};
    m_ds.reset(GDALDataset::Open(m_target.connection.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers, nullptr,
                                 nullptr));
    if (!m_ds) {
        const std::string why = capture.last_error();
        throw InputError{"cannot connect to the output database" + (why.empty() ? "" : ": " + why),
                         m_target.masked_connection()};
    }
    const std::vector<std::string> pid = query("SELECT pg_backend_pid()::text");
    if (pid.size() != 1) {
        fail("cannot read the server's process id");
    }
    m_backend = pid[0];
    if (query("SELECT nspname FROM pg_namespace WHERE nspname = " + literal(m_target.schema)).empty()) {
        exec("CREATE SCHEMA " + ident(m_target.schema));
    }
    if (m_target.district_id.empty()) {
        // The whole prefix is this run's until the connection closes.
        const std::vector<std::string> locked =
            query("SELECT CASE WHEN pg_try_advisory_lock(hashtext(" +
                  literal("gridplan:" + m_target.schema + "." + m_target.table_prefix) +
                  ")) THEN 'yes' ELSE 'no' END");
        if (locked.size() != 1 || locked[0] != "yes") {
            fail("another gridplan run is writing the tables of prefix '" + m_target.table_prefix + "' in schema " +
                 m_target.schema + "; wait for it to finish or choose another --table-prefix");
        }
    }
    drop_leftovers();
}

DatabaseOutput::~DatabaseOutput() { drop_staging(); }

[[noreturn]] void DatabaseOutput::fail(const std::string& what, const std::string& table) const {
    // The server's messages come over several lines ("ERROR: ...", "CONTEXT: ..."): one.
    std::string line;
    for (const char c : what) {
        if (c == '\n') {
            if (!line.empty() && line.back() != ' ') {
                line += line.back() == '.' ? " " : ". ";
            }
        } else {
            line += c;
        }
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '.')) {
        line.pop_back();
    }
    // The table goes into the reason: a password masked again would take a ":table" after it.
    throw InputError{table.empty() ? line : "table " + m_target.schema + "." + table + ": " + line,
                     m_target.masked_connection()};
}

void DatabaseOutput::exec(const std::string& sql, const std::string& table) {
    const wrap::CplMessageCapture capture;
    OGRLayer* result = m_ds->ExecuteSQL(sql.c_str(), nullptr, nullptr);
    if (result != nullptr) {
        m_ds->ReleaseResultSet(result);
    }
    const std::string why = capture.last_error();
    if (!why.empty()) {
        fail(why, table);
    }
}

std::vector<std::string> DatabaseOutput::query(const std::string& sql) {
    const wrap::CplMessageCapture capture;
    std::vector<std::string> rows;
    OGRLayer* result = m_ds->ExecuteSQL(sql.c_str(), nullptr, nullptr);
    if (result != nullptr) {
        for (const auto& f : *result) {
            rows.emplace_back(f->IsFieldSetAndNotNull(0) ? f->GetFieldAsString(0) : "");
        }
        m_ds->ReleaseResultSet(result);
    }
    const std::string why = capture.last_error();
    if (!why.empty()) {
        fail(why);
    }
    return rows;
}

std::string DatabaseOutput::qualified(const std::string& table) const {
    return ident(m_target.schema) + "." + ident(table);
}

bool DatabaseOutput::table_exists(const std::string& name) {
    return !query("SELECT tablename FROM pg_tables WHERE schemaname = " + literal(m_target.schema) +
                  " AND tablename = " + literal(name))
                .empty();
}

void DatabaseOutput::drop_leftovers() {
    // Staging tables carry the server process id of their run; a run whose process is
    // gone was killed before it published.
    const std::vector<std::string> left = query(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = " +
        literal(m_target.schema) + " AND c.relkind = 'r' AND c.relname LIKE 'gp\\_stage\\_%' AND NOT EXISTS "
        "(SELECT 1 FROM pg_stat_activity a WHERE a.pid <> pg_backend_pid() AND c.relname LIKE 'gp\\_stage\\_' || "
        "a.pid || '\\_%') ORDER BY 1");
    for (const auto& t : left) {
        exec("DROP TABLE IF EXISTS " + qualified(t), t);
    }
}

void DatabaseOutput::stage(const std::string& path) {
    const auto t0 = std::chrono::steady_clock::now();
    const GDALDatasetUniquePtr source = wrap::open_vector(path);
    for (OGRLayer* layer : source->GetLayers()) {
        const std::string name = layer->GetName();
        if (name == styles_table) {
            continue;
        }
        Table t{name, m_target.table_prefix + name, staging_prefix + m_backend + "_" + name, 0};
        if (t.staging.size() > max_identifier || t.name.size() > max_identifier) {
            fail("the table name is longer than PostgreSQL's 63 characters; choose a shorter --table-prefix", t.name);
        }
        for (const auto& other : m_tables) {
            if (other.name == t.name) {
                throw InternalError{"two output layers named " + name};
            }
        }
        if (!m_target.overwrite && m_target.district_id.empty() && table_exists(t.name)) {
            fail("exists; give --overwrite to replace it (or another --schema or --table-prefix)", t.name);
        }
        m_tables.push_back(t);

        Transaction transaction{*m_ds};
        std::vector<std::string> options{"SCHEMA=" + m_target.schema, "GEOMETRY_NAME=geom", "FID=fid",
                                         "PRECISION=NO", "OVERWRITE=NO"};
        if (const char* description = layer->GetMetadataItem("DESCRIPTION"); description && *description) {
            options.push_back(std::string{"DESCRIPTION="} + description);
        }
        std::vector<const char*> option_ptrs;
        for (const auto& o : options) {
            option_ptrs.push_back(o.c_str());
        }
        option_ptrs.push_back(nullptr);
        const wrap::CplMessageCapture capture;
        OGRLayer* target = m_ds->CreateLayer(t.staging.c_str(), layer->GetSpatialRef(), layer->GetGeomType(),
                                             const_cast<char**>(option_ptrs.data()));
        if (target == nullptr) {
            fail("cannot create a table: " + capture.last_error(), t.staging);
        }
        OGRFeatureDefn* source_defn = layer->GetLayerDefn();
        for (int i = 0; i < source_defn->GetFieldCount(); ++i) {
            if (target->CreateField(source_defn->GetFieldDefn(i)) != OGRERR_NONE) {
                fail("cannot create column " + std::string{source_defn->GetFieldDefn(i)->GetNameRef()} + ": " +
                         capture.last_error(),
                     t.staging);
            }
        }
        OGRFeatureDefn* defn = target->GetLayerDefn();
        std::vector<int> same_place(static_cast<std::size_t>(source_defn->GetFieldCount()));
        for (std::size_t i = 0; i < same_place.size(); ++i) {
            same_place[i] = static_cast<int>(i);
        }
        for (const auto& f : *layer) {
            OGRFeature copy{defn};
            copy.SetFieldsFrom(f.get(), same_place.data(), TRUE);
            if (const OGRGeometry* g = f->GetGeometryRef()) {
                // A GeoPackage takes a polygon into a multipolygon layer; a typed
                // PostGIS column does not.
                const OGRwkbGeometryType type = layer->GetGeomType();
                copy.SetGeometryDirectly(type == wkbUnknown ? g->clone()
                                                            : OGRGeometryFactory::forceTo(g->clone(), type));
            }
            if (target->CreateFeature(&copy) != OGRERR_NONE) {
                fail("cannot write a row: " + capture.last_error(), t.staging);
            }
            ++m_tables.back().features;
        }
        if (!m_target.district_id.empty()) {
            exec("ALTER TABLE " + qualified(t.staging) + " ADD COLUMN district_id text NOT NULL DEFAULT " +
                     literal(m_target.district_id),
                 t.staging);
        }
        const std::string why = transaction.commit();
        if (!why.empty()) {
            fail("cannot write the table: " + why, t.staging);
        }
    }
    m_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void DatabaseOutput::rename_table(const std::string& from, const std::string& to) {
    const std::vector<std::string> indexes = query("SELECT indexname FROM pg_indexes WHERE schemaname = " +
                                                   literal(m_target.schema) + " AND tablename = " + literal(from));
    exec("ALTER TABLE " + qualified(from) + " RENAME TO " + ident(to), to);
    for (const auto& index : indexes) {
        if (index.rfind(from, 0) == 0) {
            exec("ALTER INDEX " + qualified(index) + " RENAME TO " + ident(to + index.substr(from.size())), to);
        }
    }
    exec("ALTER SEQUENCE IF EXISTS " + qualified(from + "_fid_seq") + " RENAME TO " + ident(to + "_fid_seq"), to);
}

void DatabaseOutput::publish() {
    const auto t0 = std::chrono::steady_clock::now();
    Transaction transaction{*m_ds};
    if (!m_target.district_id.empty()) {
        // District runs share the tables: one publishes at a time.
        query("SELECT pg_advisory_xact_lock(hashtext(" +
              literal("gridplan:" + m_target.schema + "." + m_target.table_prefix) + "))::text");
    }
    for (const auto& t : m_tables) {
        const bool exists = table_exists(t.name);
        if (!m_target.district_id.empty()) {
            if (!exists) {
                rename_table(t.staging, t.name);
                exec("ALTER TABLE " + qualified(t.name) + " ALTER COLUMN district_id DROP DEFAULT", t.name);
                exec("CREATE INDEX " + ident(t.name + "_district_id_idx") + " ON " + qualified(t.name) +
                         " (district_id)",
                     t.name);
                continue;
            }
            std::string columns;
            for (const auto& c : query("SELECT column_name FROM information_schema.columns WHERE table_schema = " +
                                       literal(m_target.schema) + " AND table_name = " + literal(t.staging) +
                                       " AND column_name <> 'fid' ORDER BY ordinal_position")) {
                columns += (columns.empty() ? "" : ", ") + ident(c);
            }
            exec("DELETE FROM " + qualified(t.name) + " WHERE district_id = " + literal(m_target.district_id), t.name);
            exec("INSERT INTO " + qualified(t.name) + " (" + columns + ") SELECT " + columns + " FROM " +
                     qualified(t.staging),
                 t.name);
            exec("DROP TABLE " + qualified(t.staging), t.staging);
            continue;
        }
        if (exists) {
            if (!m_target.overwrite) {
                fail("exists; give --overwrite to replace it", t.name);
            }
            exec("DROP TABLE " + qualified(t.name), t.name);
        }
        rename_table(t.staging, t.name);
    }
    const std::string why = transaction.commit();
    if (!why.empty()) {
        fail("cannot publish the tables (none changed): " + why);
    }
    m_published = true;
    m_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void DatabaseOutput::drop_staging() noexcept {
    if (m_published || !m_ds) {
        return;
    }
    for (const auto& t : m_tables) {
        try {
            exec("DROP TABLE IF EXISTS " + qualified(t.staging));
        } catch (...) {
            // Left for the next run's clean-up (drop_leftovers).
        }
    }
}

nlohmann::json DatabaseOutput::describe() const {
    nlohmann::json tables = nlohmann::json::array();
    for (const auto& t : m_tables) {
        tables.push_back({{"layer", t.layer}, {"table", m_target.schema + "." + t.name}, {"features", t.features}});
    }
    nlohmann::json j{{"connection", m_target.masked_connection()},
                     {"schema", m_target.schema},
                     {"table_prefix", m_target.table_prefix},
                     {"tables", tables},
                     {"write_s", std::round(m_seconds * 1000.0) / 1000.0}};
    j["district_id"] = m_target.district_id.empty() ? nlohmann::json() : nlohmann::json(m_target.district_id);
    return j;
}

} // namespace gridplan::io
