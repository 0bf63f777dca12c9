#include "run_log.hpp"

#include "gridplan/core/error.hpp"

#include <ctime>
#include <filesystem>

namespace gridplan::cli {

void RunLog::open(const std::string& path, const std::string& command, const std::vector<std::string>& args) {
    m_out.open(path, std::ios::out | std::ios::trunc);
    if (!m_out) {
        throw UsageError{"--log-json: cannot write " + path};
    }
    m_start = std::chrono::steady_clock::now();
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    write("start", {{"command", command}, {"args", args}, {"version", GRIDPLAN_VERSION}, {"time", stamp}});
}

void RunLog::write(const std::string& kind, nlohmann::json event) {
    if (!m_out.is_open()) {
        return;
    }
    event["event"] = kind;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    event["elapsed_s"] = std::round(elapsed * 1000.0) / 1000.0;
    m_out << event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    m_out.flush();
}

void RunLog::result(const io::OutputDir& out) {
    if (!m_out.is_open() || out.files().empty()) {
        return;
    }
    const std::filesystem::path& manifest = out.files().back();
    std::ifstream in{manifest};
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return;
    }
    j.erase("files");
    write("result", {{"manifest", manifest.string()}, {"figures", j}});
}

void RunLog::end(int exit_code, const std::string& error) {
    if (!m_out.is_open()) {
        return;
    }
    nlohmann::json e{{"exit_code", exit_code}};
    if (!error.empty()) {
        e["error"] = error;
    }
    write("end", e);
    m_out.close();
}

RunLog& run_log() {
    static RunLog log;
    return log;
}

} // namespace gridplan::cli
