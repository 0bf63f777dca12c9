#include "gridplan/core/run_context.hpp"

#include <exception>

namespace gridplan {

void Logger::warning(const std::string& message) const {
    m_warnings.push_back(message);
    emit(LogLevel::warning, message);
}

void ProblemReporter::report(Problem p) {
    auto& n = m_counts[p.problem];
    ++n;
    if (n <= m_limit) {
        m_problems.push_back(std::move(p));
    }
}

std::size_t ProblemReporter::count(const std::string& code) const {
    const auto it = m_counts.find(code);
    return it == m_counts.end() ? 0 : it->second;
}

StageProgress::StageProgress(const RunContext& ctx, std::string_view stage)
    : m_ctx(ctx), m_stage(stage), m_exceptions(std::uncaught_exceptions()) {
    m_ctx.report_progress(m_stage, 0.0);
}

StageProgress::~StageProgress() {
    if (std::uncaught_exceptions() == m_exceptions) {
        m_ctx.report_progress(m_stage, 1.0);
    }
}

} // namespace gridplan
