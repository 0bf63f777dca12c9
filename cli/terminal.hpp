#pragma once
// How the engine's log lines and progress reach the terminal.

#include "command.hpp"

#include "gridplan/core/run_context.hpp"
#include "gridplan/io/output.hpp"

#include <ostream>

namespace gridplan::cli {

/// A RunContext whose logger prints warnings (unless quiet) and info lines (if verbose)
/// to stderr, and progress only when stderr is a terminal.
RunContext make_run_context(const CommonOptions& options);

/// "wrote PATH" for each file of a committed set, then "wrote table SCHEMA.NAME (N rows)"
/// for each table of a database output.
void print_written(std::ostream& os, const io::OutputDir& out);

} // namespace gridplan::cli
