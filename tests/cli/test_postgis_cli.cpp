// Inputs from PostGIS: the sample district loaded into a throwaway server, planned from
// the database (tables and an SQL query), gives the plan of the files; the password of
// the connection string appears nowhere.
#include "support/fixtures.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>

#include <unistd.h>

using namespace gridplan;
using test::run_command;
using test::run_gridplan;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string pg_bin = "/usr/lib/postgresql/15/bin";

/// `s` as one shell word.
std::string quoted(const std::string& s) {
    std::string out = "'";
    for (const char c : s) {
        out += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
    }
    return out + "'";
}

/// A PostgreSQL server with PostGIS on loopback, its data in a temporary folder, run as an unprivileged user
/// when the tests run as root (initdb refuses root); stopped and removed on destruction.
class ThrowawayServer {
public:
    ThrowawayServer(const fs::path& dir, int port) : m_dir(dir), m_port(std::to_string(port)) {
        fs::create_directories(m_dir / "sock");
        m_as = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
        if (::geteuid() == 0) {
            run("chown -R postgres " + quoted(m_dir.string()));
        }
        m_ok = run(m_as + pg_bin + "/initdb -A trust -U gridplan -D " + quoted((m_dir / "data").string())) &&
               run(m_as + pg_bin + "/pg_ctl -w -D " + quoted((m_dir / "data").string()) + " -l " +
                   quoted((m_dir / "log").string()) + " -o " +
                   quoted("-k " + (m_dir / "sock").string() + " -p " + m_port + " -c listen_addresses=127.0.0.1") + " start");
        m_started = m_ok;
        m_ok = m_ok && sql("CREATE EXTENSION postgis");
    }
    ~ThrowawayServer() {
        if (m_started) {
            run(m_as + pg_bin + "/pg_ctl -w -m immediate -D " + quoted((m_dir / "data").string()) + " stop");
        }
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    ThrowawayServer(const ThrowawayServer&) = delete;
    ThrowawayServer& operator=(const ThrowawayServer&) = delete;
    ThrowawayServer(ThrowawayServer&&) = delete;
    ThrowawayServer& operator=(ThrowawayServer&&) = delete;

    bool ok() const { return m_ok; }
    /// A connection string with a password (ignored by trust authentication).
    std::string connection() const {
        return "PG:host=127.0.0.1 port=" + m_port + " dbname=postgres user=gridplan password=s3cret-pw";
    }
    bool sql(const std::string& statement) const { return run(psql() + " -c " + quoted(statement)); }
    /// The rows of a query, one line each, columns joined by '|'.
    std::string query(const std::string& statement) const {
        return run_command("/bin/sh", {"-c", psql() + " -tA -c " + quoted(statement)}).out;
    }
    /// Loads the sample district's layers into tables of the same names.
    bool load_sample(const std::string& sample) const {
        for (const char* layer : {"boundary", "roads", "rivers", "water", "households"}) {
            const auto load = run_command("/usr/bin/ogr2ogr", {"-f", "PostgreSQL", connection(),
                                                                sample + "/" + layer + ".geojson", "-nln", layer,
                                                                "-lco", "GEOMETRY_NAME=geom"});
            if (load.exit_code != 0) {
                std::cout << load.out << load.err;
                return false;
            }
        }
        return true;
    }

private:
    std::string psql() const {
        return pg_bin + "/psql -q -h 127.0.0.1 -p " + m_port +
               " -U gridplan -d postgres -v ON_ERROR_STOP=1";
    }
    static bool run(const std::string& command) {
        const auto r = run_command("/bin/sh", {"-c", command + " >/dev/null 2>&1"});
        return r.exit_code == 0;
    }

    fs::path m_dir;
    std::string m_port;
    std::string m_as;
    bool m_ok = false;
    bool m_started = false;
};

/// `key` -> `value` of each feature of a GeoJSON layer (two integer fields).
std::map<std::int64_t, std::int64_t> field_pairs(const fs::path& layer, const char* key, const char* value) {
    std::map<std::int64_t, std::int64_t> out;
    const nlohmann::json j = nlohmann::json::parse(test::read_file(layer));
    for (const auto& f : j.at("features")) {
        out[f.at("properties").at(key).get<std::int64_t>()] = f.at("properties").at(value).get<std::int64_t>();
    }
    return out;
}

std::map<std::int64_t, std::int64_t> households_by_grid(const fs::path& grids) {
    return field_pairs(grids, "grid_id", "households");
}

/// The same from the rows of a two-column query ("1|3012" per line).
std::map<std::int64_t, std::int64_t> row_pairs(const std::string& rows) {
    std::map<std::int64_t, std::int64_t> out;
    std::istringstream in{rows};
    std::string line;
    while (std::getline(in, line)) {
        const auto bar = line.find('|');
        if (bar != std::string::npos) {
            out[std::stoll(line.substr(0, bar))] = std::stoll(line.substr(bar + 1));
        }
    }
    return out;
}

bool postgis_absent() {
    if (!fs::exists(pg_bin + "/initdb") || !fs::exists("/usr/share/postgresql/15/extension/postgis.control")) {
        std::cout << "SKIPPED: PostgreSQL 15 with PostGIS 3 is absent (Debian postgresql-15-postgis-3)\n";
        return true;
    }
    return false;
}

/// The server's folder must be the unprivileged user's: not inside a root-only tmp dir.
fs::path server_dir(const char* name) {
    return fs::temp_directory_path() / ("gridplan-" + std::string{name} + "-" + std::to_string(::getpid()));
}

/// The sample's config with every source in the database; the households through a query.
nlohmann::json database_config(const std::string& sample, const std::string& pg) {
    nlohmann::json config = nlohmann::json::parse(test::read_file(sample + "/district.json"), nullptr, true, true);
    config["boundary"] = {{"path", pg}, {"layer", "boundary"}};
    config["barriers"][0]["path"] = pg;
    config["barriers"][0]["layer"] = "roads";
    config["barriers"][1]["path"] = pg;
    config["barriers"][1]["layer"] = "rivers";
    config["water"] = {{{"path", pg}, {"layer", "water"}}};
    config["households"] = {{"path", pg},
                            {"sql", "SELECT * FROM households WHERE households > 0"},
                            {"count_field", "households"}};
    return config;
}

} // namespace

TEST_CASE("plan reads its inputs from PostGIS and gives the plan of the files", "[cli][postgis]") {
    if (postgis_absent()) {
        return;
    }
    TempDir dir;
    ThrowawayServer server{server_dir("pg-in"), 55439};
    REQUIRE(server.ok());
    const std::string sample = test::source_dir() + "/data/sample";
    const std::string pg = server.connection();
    REQUIRE(server.load_sample(sample));
    nlohmann::json config = database_config(sample, pg);
    test::write_file(dir / "db.json", config.dump(2));

    const auto files = run_gridplan({"plan", sample + "/district.json", "--households-per-grid", "3000", "--out",
                                     (dir / "files").string(), "-q"});
    REQUIRE(files.exit_code == 0);
    const auto db = run_gridplan({"plan", (dir / "db.json").string(), "--households-per-grid", "3000", "--out",
                                  (dir / "db").string(), "--log-json", (dir / "run.jsonl").string()});
    INFO(db.out << db.err);
    REQUIRE(db.exit_code == 0);

    // The same grids, households and metrics.
    CHECK(households_by_grid(dir / "db" / "grids.geojson") == households_by_grid(dir / "files" / "grids.geojson"));
    const nlohmann::json a = nlohmann::json::parse(test::read_file(dir / "files" / "plan.json"));
    const nlohmann::json b = nlohmann::json::parse(test::read_file(dir / "db" / "plan.json"));
    CHECK(a["metrics"] == b["metrics"]);
    CHECK(a["households_placed"] == b["households_placed"]);
    // The database inputs are listed without a checksum and without the password.
    for (const auto& input : b["inputs"]) {
        CHECK(input["sha256"].is_null());
        CHECK_THAT(input["path"].get<std::string>(), Catch::Contains("password=***"));
    }
    for (const auto& text : {db.out, db.err, test::read_file(dir / "db" / "plan.json"),
                             test::read_file(dir / "db" / "report.html"), test::read_file(dir / "run.jsonl")}) {
        CHECK(text.find("s3cret-pw") == std::string::npos);
    }

    // A query that fails names the key, not the password.
    config["households"]["sql"] = "SELECT * FROM no_such_table";
    test::write_file(dir / "bad.json", config.dump(2));
    const auto bad = run_gridplan({"plan", (dir / "bad.json").string(), "--out", (dir / "bad").string()});
    CHECK(bad.exit_code == 1);
    CHECK_THAT(bad.err, Catch::Contains("households.sql"));
    CHECK(bad.err.find("s3cret-pw") == std::string::npos);
}

TEST_CASE("plan writes its layers into PostGIS as one set: replaced only with --overwrite, never half-written",
          "[cli][postgis]") {
    if (postgis_absent()) {
        return;
    }
    TempDir dir;
    ThrowawayServer server{server_dir("pg-out"), 55441};
    REQUIRE(server.ok());
    const std::string sample = test::source_dir() + "/data/sample";
    const std::string pg = server.connection();
    REQUIRE(server.load_sample(sample));
    test::write_file(dir / "db.json", database_config(sample, pg).dump(2));

    // The database round trip: read from the tables, write tables; the file run beside it.
    const auto files = run_gridplan({"plan", sample + "/district.json", "--households-per-grid", "3000", "--out",
                                     (dir / "files").string(), "-q"});
    REQUIRE(files.exit_code == 0);
    auto plan_into = [&](const std::string& per_grid, const fs::path& report, std::vector<std::string> extra) {
        std::vector<std::string> args{"plan", (dir / "db.json").string(), "--households-per-grid", per_grid,
                                      "--out", pg, "--report-dir", report.string(), "--schema", "plans",
                                      "--table-prefix", "d1_"};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_gridplan(args);
    };
    const auto db = plan_into("3000", dir / "report", {});
    INFO(db.out << db.err);
    REQUIRE(db.exit_code == 0);
    CHECK_THAT(db.out, Catch::Contains("wrote table plans.d1_grids (5 rows)"));

    // Same grids, same households per grid, same blocks in each grid, same metrics.
    CHECK(row_pairs(server.query("SELECT grid_id, households FROM plans.d1_grids")) ==
          households_by_grid(dir / "files" / "grids.geojson"));
    CHECK(row_pairs(server.query("SELECT block_id, grid_id FROM plans.d1_blocks")) ==
          field_pairs(dir / "files" / "blocks.geojson", "block_id", "grid_id"));
    const nlohmann::json a = nlohmann::json::parse(test::read_file(dir / "files" / "plan.json"));
    const nlohmann::json b = nlohmann::json::parse(test::read_file(dir / "report" / "plan.json"));
    CHECK(a.at("metrics") == b.at("metrics"));
    // The geometry is the file's: the grids' area in the database and in the file agree.
    const double area_db = std::stod(server.query("SELECT sum(ST_Area(geom::geography)) FROM plans.d1_grids"));
    double area_file = 0.0;
    const nlohmann::json grids = nlohmann::json::parse(test::read_file(dir / "files" / "grids.geojson"));
    for (const auto& f : grids.at("features")) {
        area_file += f.at("properties").at("area_km2").get<double>() * 1e6;
    }
    CHECK(area_db == Approx(area_file).epsilon(0.005));
    // The manifest lists the tables (and no layer files); read and write times are there.
    const nlohmann::json database = b.at("database");
    CHECK(database.at("schema") == "plans");
    CHECK(database.at("tables").size() == 6);
    CHECK(database.at("tables")[0].at("table") == "plans.d1_grids");
    CHECK(database.at("tables")[0].at("features") == 5);
    CHECK(b.at("runtime_s").contains("read"));
    CHECK(b.at("runtime_s").contains("write"));
    CHECK(database.contains("write_s"));
    for (const auto& f : b.at("files")) {
        CHECK(f.at("name").get<std::string>().find(".gpkg") == std::string::npos);
    }
    CHECK(fs::exists(dir / "report" / "grids.qml"));
    CHECK(fs::exists(dir / "report" / "report.html"));
    for (const auto& text : {db.out, db.err, test::read_file(dir / "report" / "plan.json"),
                             test::read_file(dir / "report" / "report.html")}) {
        CHECK(text.find("s3cret-pw") == std::string::npos);
    }

    // libpq finds the connection in a service file: no password on the command line.
    test::write_file(dir / "pg_service.conf", "[gptest]\nhost=127.0.0.1\nport=55441\ndbname=postgres\nuser=gridplan\n");
    ::setenv("PGSERVICEFILE", (dir / "pg_service.conf").c_str(), 1);
    const auto service = run_gridplan({"plan", (dir / "db.json").string(), "--households-per-grid", "3000", "--out",
                                       "PG:service=gptest", "--report-dir", (dir / "service").string(), "--schema",
                                       "viaservice", "-q"});
    ::unsetenv("PGSERVICEFILE");
    INFO(service.err);
    CHECK(service.exit_code == 0);
    CHECK(server.query("SELECT count(*) FROM viaservice.grids") == "5\n");

    // A second run does not replace the tables without --overwrite: it fails before
    // writing anything, and names the table.
    const std::string manifest_before = test::read_file(dir / "report" / "plan.json");
    const auto again = plan_into("2500", dir / "report", {});
    CHECK(again.exit_code == 1);
    CHECK_THAT(again.err, Catch::Contains("plans.d1_grids") && Catch::Contains("--overwrite"));
    CHECK(again.err.find("s3cret-pw") == std::string::npos);
    CHECK(server.query("SELECT count(*) FROM plans.d1_grids") == "5\n");
    CHECK(test::read_file(dir / "report" / "plan.json") == manifest_before);
    const std::string staging = "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'gp\\_stage\\_%'";
    CHECK(server.query(staging) == "0\n");

    // With --overwrite every table is replaced, together; a staging table that a killed
    // run left (its server process is gone) is dropped.
    REQUIRE(server.sql("CREATE TABLE plans.gp_stage_99999_grids (x integer)"));
    const auto replaced = plan_into("2500", dir / "report", {"--overwrite"});
    INFO(replaced.err);
    REQUIRE(replaced.exit_code == 0);
    CHECK(server.query("SELECT count(*) FROM plans.d1_grids") == "6\n");
    const auto blocks_at_2500 = server.query("SELECT block_id, grid_id FROM plans.d1_blocks ORDER BY 1");

    // replan reads the previous grids from their table and writes beside them; coverage too.
    const auto replanned = run_gridplan({"replan", (dir / "db.json").string(), "--households-per-grid", "2500",
                                         "--previous", pg + "|plans.d1_grids", "--out", pg, "--report-dir",
                                         (dir / "replan").string(), "--schema", "plans", "--table-prefix", "r1_",
                                         "-q"});
    INFO(replanned.err);
    REQUIRE(replanned.exit_code == 0);
    // Nothing changed in between: every grid kept, with its households; no block moved.
    CHECK(server.query("SELECT grid_id, households FROM plans.r1_grids ORDER BY 1") ==
          server.query("SELECT grid_id, households FROM plans.d1_grids ORDER BY 1"));
    CHECK(server.query("SELECT count(*) FROM plans.r1_changes") == "0\n");
    const auto covered = run_gridplan({"coverage", (dir / "db.json").string(), "--out", pg, "--report-dir",
                                       (dir / "coverage").string(), "--schema", "plans", "--table-prefix", "c1_",
                                       "-q"});
    INFO(covered.err);
    REQUIRE(covered.exit_code == 0);
    const nlohmann::json coverage = nlohmann::json::parse(test::read_file(dir / "coverage" / "coverage.json"));
    CHECK(coverage.at("database").at("tables").size() >= 2);
    CHECK(server.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'plans' AND tablename LIKE 'c1\\_%'") ==
          std::to_string(coverage.at("database").at("tables").size()) + "\n");

    // A table that cannot be replaced (a view depends on it) fails the publishing
    // transaction: no table changes, not even those renamed before it, and nothing of the
    // run is left behind.
    REQUIRE(server.sql("CREATE VIEW plans.big_blocks AS SELECT * FROM plans.d1_blocks WHERE area_m2 > 10000"));
    const auto blocked = plan_into("3000", dir / "report", {"--overwrite"});
    CHECK(blocked.exit_code == 1);
    CHECK_THAT(blocked.err, Catch::Contains("big_blocks"));
    CHECK(server.query("SELECT count(*) FROM plans.d1_grids") == "6\n");
    CHECK(server.query("SELECT block_id, grid_id FROM plans.d1_blocks ORDER BY 1") == blocks_at_2500);
    CHECK(server.query(staging) == "0\n");
    REQUIRE(server.sql("DROP VIEW plans.big_blocks"));

    // Districts in shared tables: each run replaces its own rows only.
    auto district = [&](const std::string& id, const std::string& per_grid) {
        return run_gridplan({"plan", (dir / "db.json").string(), "--households-per-grid", per_grid, "--out", pg,
                             "--report-dir", (dir / ("r" + id)).string(), "--schema", "city", "--district-id", id,
                             "-q"});
    };
    REQUIRE(district("370701", "3000").exit_code == 0);
    REQUIRE(district("370702", "3000").exit_code == 0);
    CHECK(row_pairs(server.query("SELECT district_id, count(*) FROM city.grids GROUP BY 1")) ==
          std::map<std::int64_t, std::int64_t>{{370701, 5}, {370702, 5}});
    REQUIRE(district("370701", "2500").exit_code == 0);
    CHECK(row_pairs(server.query("SELECT district_id, count(*) FROM city.grids GROUP BY 1")) ==
          std::map<std::int64_t, std::int64_t>{{370701, 6}, {370702, 5}});
    CHECK(row_pairs(server.query("SELECT district_id, sum(households) FROM city.grids GROUP BY 1")) ==
          std::map<std::int64_t, std::int64_t>{{370701, 14963}, {370702, 14963}});
    CHECK(server.query(staging) == "0\n");

    // A split city merged into the database: one table per layer, each row with its
    // district; the jobs' figures and the tables agree.
    const fs::path jobs = dir / "jobs";
    test::write_quarters(sample + "/boundary.geojson", dir / "quarters.geojson");
    REQUIRE(run_gridplan({"split", sample + "/district.json", "--by", (dir / "quarters.geojson").string() + ":code",
                          "--out", jobs.string(), "-q"})
                .exit_code == 0);
    for (const char* id : {"370701", "370702", "370703", "370704"}) {
        const auto job = run_gridplan({"plan", (jobs / id / "district.json").string(), "--households-per-grid",
                                       "1500", "--out", (jobs / id / "out").string(), "-q"});
        REQUIRE(job.exit_code == 0);
    }
    // The same city split from the database: its lines and areas stay there, each job's
    // config a query for its district's area; the jobs plan the same grids.
    // The districts come from a table too.
    const fs::path db_jobs = dir / "db_jobs";
    REQUIRE(run_command("/usr/bin/ogr2ogr", {"-f", "PostgreSQL", pg, (dir / "quarters.geojson").string(), "-nln",
                                             "quarters", "-lco", "GEOMETRY_NAME=geom"})
                .exit_code == 0);
    const auto db_split =
        run_gridplan({"split", (dir / "db.json").string(), "--by", pg + "|quarters:code", "--out", db_jobs.string()});
    INFO(db_split.err);
    REQUIRE(db_split.exit_code == 0);
    CHECK(db_split.err.find("s3cret-pw") == std::string::npos);
    for (const char* id : {"370701", "370702", "370703", "370704"}) {
        const nlohmann::json job = nlohmann::json::parse(test::read_file(db_jobs / id / "district.json"));
        CHECK_THAT(job.at("barriers")[0].at("sql").get<std::string>(), Catch::Contains("ST_Intersects"));
        CHECK(job.at("barriers")[0].at("path").get<std::string>().rfind("PG:", 0) == 0);
        CHECK(job.at("households").at("path") == "inputs.gpkg");  // points: each to one district, copied
        const auto run = run_gridplan({"plan", (db_jobs / id / "district.json").string(), "--households-per-grid",
                                       "1500", "--out", (db_jobs / id / "out").string(), "-q"});
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
        CHECK(households_by_grid(db_jobs / id / "out" / "grids.geojson") ==
              households_by_grid(jobs / id / "out" / "grids.geojson"));
    }

    const auto merged = run_gridplan({"merge", jobs.string(), "--out", pg, "--schema", "merged", "--report-dir",
                                      (dir / "merged").string()});
    INFO(merged.out << merged.err);
    REQUIRE(merged.exit_code == 0);
    const nlohmann::json summary = nlohmann::json::parse(test::read_file(dir / "merged" / "merge.json"));
    std::map<std::int64_t, std::int64_t> grids_by_district;
    std::map<std::int64_t, std::int64_t> households_by_district;
    for (const auto& d : summary.at("by_district")) {
        grids_by_district[std::stoll(d.at("district_id").get<std::string>())] = d.at("grids").get<std::int64_t>();
        households_by_district[std::stoll(d.at("district_id").get<std::string>())] =
            d.at("households").get<std::int64_t>();
    }
    CHECK(grids_by_district.size() == 4);
    CHECK(row_pairs(server.query("SELECT district_id, count(*) FROM merged.grids GROUP BY 1")) == grids_by_district);
    CHECK(row_pairs(server.query("SELECT district_id, sum(households) FROM merged.grids GROUP BY 1")) ==
          households_by_district);
    CHECK(summary.at("database").at("schema") == "merged");
    CHECK(run_gridplan({"merge", jobs.string(), "--out", pg, "--schema", "merged", "--report-dir",
                        (dir / "merged").string(), "--format", "gpkg"})
              .exit_code == 2);

    // Usage: a database output needs a report folder; the database options need a database.
    const auto no_report = run_gridplan({"plan", (dir / "db.json").string(), "--out", pg});
    CHECK(no_report.exit_code == 2);
    CHECK_THAT(no_report.err, Catch::Contains("--report-dir"));
    const auto no_db = run_gridplan({"plan", (dir / "db.json").string(), "--out", (dir / "x").string(), "--schema",
                                     "plans"});
    CHECK(no_db.exit_code == 2);
    const auto bad_schema = run_gridplan({"plan", (dir / "db.json").string(), "--out", pg, "--report-dir",
                                          (dir / "x").string(), "--schema", "Plans; DROP"});
    CHECK(bad_schema.exit_code == 2);
    CHECK_THAT(bad_schema.err, Catch::Contains("--schema"));
}
