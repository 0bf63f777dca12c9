// Inputs from PostGIS: the sample district loaded into a throwaway server, planned from
// the database (tables and an SQL query), gives the plan of the files; the password of
// the connection string appears nowhere.
#include "support/fixtures.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <map>

#include <unistd.h>

using namespace gridplan;
using test::run_command;
using test::run_gridplan;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string pg_bin = "/usr/lib/postgresql/15/bin";

std::string quoted(const std::string& s) { return "'" + s + "'"; }

/// A PostgreSQL server on a Unix socket in a temporary folder, as an unprivileged user
/// when the tests run as root (initdb refuses root); stopped and removed on destruction.
class ThrowawayServer {
public:
    explicit ThrowawayServer(const fs::path& dir) : m_dir(dir) {
        fs::create_directories(m_dir / "sock");
        m_as = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
        if (::geteuid() == 0) {
            run("chown -R postgres " + quoted(m_dir.string()));
        }
        m_ok = run(m_as + pg_bin + "/initdb -A trust -U gridplan -D " + quoted((m_dir / "data").string())) &&
               run(m_as + pg_bin + "/pg_ctl -w -D " + quoted((m_dir / "data").string()) + " -l " +
                   quoted((m_dir / "log").string()) + " -o " +
                   quoted("-k " + (m_dir / "sock").string() + " -p 55439 -c listen_addresses=") + " start");
        m_started = m_ok;
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
        return "PG:host=" + (m_dir / "sock").string() + " port=55439 dbname=postgres user=gridplan password=s3cret-pw";
    }
    bool sql(const std::string& statement) const {
        return run(pg_bin + "/psql -q -h " + quoted((m_dir / "sock").string()) +
                   " -p 55439 -U gridplan -d postgres -v ON_ERROR_STOP=1 -c " + quoted(statement));
    }

private:
    static bool run(const std::string& command) {
        const auto r = run_command("/bin/sh", {"-c", command + " >/dev/null 2>&1"});
        return r.exit_code == 0;
    }

    fs::path m_dir;
    std::string m_as;
    bool m_ok = false;
    bool m_started = false;
};

std::map<int, std::int64_t> households_by_grid(const fs::path& grids) {
    std::map<int, std::int64_t> out;
    const nlohmann::json j = nlohmann::json::parse(test::read_file(grids));
    for (const auto& f : j["features"]) {
        out[f["properties"]["grid_id"].get<int>()] = f["properties"]["households"].get<std::int64_t>();
    }
    return out;
}

} // namespace

TEST_CASE("plan reads its inputs from PostGIS and gives the plan of the files", "[cli][postgis]") {
    if (!fs::exists(pg_bin + "/initdb") || !fs::exists("/usr/share/postgresql/15/extension/postgis.control")) {
        std::cout << "SKIPPED: PostgreSQL 15 with PostGIS 3 is absent (Debian postgresql-15-postgis-3)\n";
        return;
    }
    TempDir dir;
    // The server's folder must be the unprivileged user's: not inside a root-only tmp dir.
    const fs::path server_dir = fs::temp_directory_path() / ("gridplan-pg-" + std::to_string(::getpid()));
    ThrowawayServer server{server_dir};
    REQUIRE(server.ok());
    REQUIRE(server.sql("CREATE EXTENSION postgis"));
    const std::string sample = test::source_dir() + "/data/sample";
    const std::string pg = server.connection();
    for (const char* layer : {"boundary", "roads", "rivers", "water", "households"}) {
        const auto load = run_command("/usr/bin/ogr2ogr", {"-f", "PostgreSQL", pg, sample + "/" + layer + ".geojson",
                                                            "-nln", layer, "-lco", "GEOMETRY_NAME=geom"});
        INFO(load.out << load.err);
        REQUIRE(load.exit_code == 0);
    }
    // The sample's config with every source in the database; the households through a query.
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
