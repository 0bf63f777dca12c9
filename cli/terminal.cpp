#include "terminal.hpp"

#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <string>
#include <string_view>

#include <unistd.h>

namespace gridplan::cli {

RunContext make_run_context(const CommonOptions& options) {
    RunContext ctx;
    const bool verbose = options.verbose;
    const bool quiet = options.quiet;
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    // GRIDPLAN_DEBUG=1: the engine's debug messages too (for developers; not an option).
    const char* debug_env = std::getenv("GRIDPLAN_DEBUG");
    const bool debug = debug_env != nullptr && std::string_view{debug_env} == "1";
    ctx.log = Logger{[verbose, quiet, tty, debug](LogLevel level, const std::string& message) {
        if (level == LogLevel::warning && !quiet) {
            std::cerr << (tty ? "\r\033[K" : "") << "gridplan: warning: " << message << '\n';
        } else if ((level == LogLevel::info && verbose) || (level == LogLevel::debug && debug && !quiet)) {
            std::cerr << (tty ? "\r\033[K" : "") << "gridplan: " << message << '\n';
        }
    }};
    if (tty && !quiet) {
        ctx.progress = [](std::string_view stage, double fraction) {
            std::cerr << "\r\033[K" << stage << ": " << static_cast<int>(fraction * 100.0) << "%";
            if (fraction >= 1.0) {
                std::cerr << "\r\033[K";
            }
            std::cerr.flush();
        };
    }
    ctx.threads = options.threads > 0 ? options.threads : std::max(1U, std::thread::hardware_concurrency());
    return ctx;
}

} // namespace gridplan::cli
