#pragma once
// What every stage receives besides its input and config: where to send log lines,
// progress and problems. The engine never writes to stderr itself.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gridplan {

enum class LogLevel { debug, info, warning };

/// Log sink; the CLI decides what reaches the terminal.
class Logger {
public:
    using Sink = std::function<void(LogLevel, const std::string&)>;

    Logger() = default;
    explicit Logger(Sink sink) : m_sink(std::move(sink)) {}

    void debug(const std::string& message) const { emit(LogLevel::debug, message); }
    void info(const std::string& message) const { emit(LogLevel::info, message); }
    void warning(const std::string& message) const;

    std::size_t warning_count() const noexcept { return m_warnings.size(); }
    /// Every warning of the run so far, in order (for report.html).
    const std::vector<std::string>& warnings() const noexcept { return m_warnings; }

private:
    void emit(LogLevel level, const std::string& message) const {
        if (m_sink) {
            m_sink(level, message);
        }
    }

    Sink m_sink;
    mutable std::vector<std::string> m_warnings;
};

/// One thing an analyst should look at to fix the input. Geometry is WKB in the
/// working (local metric) CRS; it may be empty for problems without a location.
struct Problem {
    std::string problem;             ///< short code: "dangle", "sliver_merged", ...
    std::string detail;              ///< human-readable explanation
    std::string source;              ///< "path:layer" of the input feature, if any
    std::optional<std::int64_t> fid; ///< source feature id, if any
    std::optional<std::int64_t> block_id;  ///< block concerned, if any
    std::vector<unsigned char> wkb;  ///< location (working CRS), may be empty
};

/// Collects problems that should not stop a run; they end up in a *_qa layer.
class ProblemReporter {
public:
    void report(Problem p);

    const std::vector<Problem>& problems() const noexcept { return m_problems; }
    std::vector<Problem>& problems() noexcept { return m_problems; }

    /// Problems counted by code (also counts problems not stored, see set_limit).
    const std::map<std::string, std::size_t>& counts() const noexcept { return m_counts; }
    std::size_t count(const std::string& code) const;

    /// Keeps at most `n` stored problems per code (all are still counted).
    void set_limit_per_code(std::size_t n) noexcept { m_limit = n; }

private:
    std::vector<Problem> m_problems;
    std::map<std::string, std::size_t> m_counts;
    std::size_t m_limit = 1000000;
};

/// Progress sink: stage name and a fraction in [0, 1]: 0 when the stage begins, 1 when it
/// is done, values between as far as the stage knows them.
using ProgressSink = std::function<void(std::string_view, double)>;

struct RunContext {
    Logger log;
    ProblemReporter problems;
    ProgressSink progress;
    unsigned threads = 1;

    void report_progress(std::string_view stage, double fraction) const {
        if (progress) {
            progress(stage, fraction);
        }
    }
};

/// One stage of a run, reported as begun (fraction 0) when constructed and as done
/// (fraction 1) when it goes out of scope normally; nothing more if an exception unwinds it.
class StageProgress {
public:
    StageProgress(const RunContext& ctx, std::string_view stage);
    ~StageProgress();
    StageProgress(const StageProgress&) = delete;
    StageProgress& operator=(const StageProgress&) = delete;
    StageProgress(StageProgress&&) = delete;
    StageProgress& operator=(StageProgress&&) = delete;

private:
    const RunContext& m_ctx;
    std::string m_stage;
    int m_exceptions;
};

} // namespace gridplan
