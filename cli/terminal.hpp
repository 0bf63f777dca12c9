#pragma once
// How the engine's log lines and progress reach the terminal.

#include "command.hpp"

#include "gridplan/core/run_context.hpp"

namespace gridplan::cli {

/// A RunContext whose logger prints warnings (unless quiet) and info lines (if verbose)
/// to stderr, and progress only when stderr is a terminal.
RunContext make_run_context(const CommonOptions& options);

} // namespace gridplan::cli
