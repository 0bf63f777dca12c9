#include "terminal.hpp"

#include "run_log.hpp"

#include "gridplan/core/strings.hpp"
#include "gridplan/wrap/gdal.hpp"

#include <cstdio>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <set>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <string>
#include <string_view>

#include <unistd.h>

namespace gridplan::cli {

namespace {

/// Progress on a terminal: one line per stage (its name, the percent when the stage
/// knows it, the time spent), redrawn in place at most ten times a second and left
/// standing, with the stage's time, when the stage is done.
class ProgressLine {
public:
    void update(std::string_view stage, double fraction) {
        const auto now = std::chrono::steady_clock::now();
        if (stage != m_stage) {
            finish_line();
            m_stage = std::string{stage};
            m_began = now;
            m_drawn = {};
            m_open = true;
        }
        const bool done = fraction >= 1.0;
        if (!done && now - m_drawn < std::chrono::milliseconds{100} && m_drawn != std::chrono::steady_clock::time_point{}) {
            return;
        }
        m_drawn = now;
        const double secs = std::chrono::duration<double>(now - m_began).count();
        std::cerr << "\r\033[K" << m_stage << ": ";
        if (done) {
            std::cerr << "done";
        } else if (fraction > 0.0) {
            std::cerr << static_cast<int>(fraction * 100.0) << "%";
        } else {
            std::cerr << "...";
        }
        std::cerr << " (" << format_fixed(secs, 1) << " s)";
        if (done) {
            std::cerr << '\n';
            m_open = false;
            m_stage.clear();
        }
        std::cerr.flush();
    }

private:
    void finish_line() {
        if (m_open) {
            std::cerr << '\n';
            m_open = false;
        }
    }

    std::string m_stage;
    std::chrono::steady_clock::time_point m_began;
    std::chrono::steady_clock::time_point m_drawn;
    bool m_open = false;
};

} // namespace

RunContext make_run_context(const CommonOptions& options) {
    RunContext ctx;
    const bool verbose = options.verbose;
    const bool quiet = options.quiet;
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    // GRIDPLAN_DEBUG=1: the engine's debug messages too (for developers; not an option).
    const char* debug_env = std::getenv("GRIDPLAN_DEBUG");
    const bool debug = debug_env != nullptr && std::string_view{debug_env} == "1";
    ctx.log = Logger{[verbose, quiet, tty, debug](LogLevel level, const std::string& text) {
        const std::string message = wrap::mask_password(text);
        if (level == LogLevel::warning) {
            run_log().write("warning", {{"message", message}});
        }
        if (level == LogLevel::warning && !quiet) {
            std::cerr << (tty ? "\r\033[K" : "") << "gridplan: warning: " << message << '\n';
        } else if ((level == LogLevel::info && verbose) || (level == LogLevel::debug && debug && !quiet)) {
            std::cerr << (tty ? "\r\033[K" : "") << "gridplan: " << message << '\n';
        }
    }};
    const bool show = tty && !quiet;
    if (show || run_log().is_open()) {
        auto line = std::make_shared<ProgressLine>();
        auto open = std::make_shared<std::set<std::string, std::less<>>>();  // stages begun, not done
        ctx.progress = [show, line, open](std::string_view stage, double fraction) {
            if (fraction >= 1.0) {
                open->erase(std::string{stage});
                run_log().write("stage_end", {{"stage", stage}});
            } else if (open->insert(std::string{stage}).second) {
                run_log().write("stage_begin", {{"stage", stage}});
            } else if (fraction > 0.0) {
                run_log().write("progress", {{"stage", stage}, {"fraction", std::round(fraction * 1000.0) / 1000.0}});
            }
            if (show) {
                line->update(stage, fraction);
            }
        };
    }
    ctx.threads = options.threads > 0 ? options.threads : std::max(1U, std::thread::hardware_concurrency());
    return ctx;
}

void print_written(std::ostream& os, const io::OutputDir& out) {
    for (const auto& f : out.files()) {
        os << "wrote " << f.string() << '\n';
    }
    if (const io::DatabaseOutput* db = out.database()) {
        const nlohmann::json tables = db->describe().at("tables");
        for (const auto& t : tables) {
            os << "wrote table " << t.at("table").get<std::string>() << " (" << t.at("features").get<std::int64_t>()
               << " rows)\n";
        }
    }
}

} // namespace gridplan::cli
