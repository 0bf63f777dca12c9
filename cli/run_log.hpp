#pragma once
// --log-json FILE: the run as machine-readable events, one JSON object per line (JSON
// Lines): the start (command, arguments, version), each stage's progress, warnings, the
// result (the manifest's figures) and the end (exit code, error). The file is written as
// the run goes, each line flushed, so that a run that dies still leaves its events.

#include "gridplan/io/output.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

namespace gridplan::cli {

class RunLog {
public:
    /// Opens `path` (UsageError naming --log-json when it cannot be written) and writes
    /// the start event.
    void open(const std::string& path, const std::string& command, const std::vector<std::string>& args);
    bool is_open() const noexcept { return m_out.is_open(); }
    /// Writes `event` with "event" = `kind` and "elapsed_s" (since open) added.
    void write(const std::string& kind, nlohmann::json event);
    /// The result event: the manifest the run wrote last (plan.json, coverage.json, ...),
    /// without its file list.
    void result(const io::OutputDir& out);
    /// The end event; closes the file.
    void end(int exit_code, const std::string& error);

private:
    std::ofstream m_out;
    std::chrono::steady_clock::time_point m_start;
};

/// The process's run log (closed unless --log-json was given).
RunLog& run_log();

} // namespace gridplan::cli
