#pragma once
// Interrupts (SIGINT, SIGTERM, SIGHUP) end a run without leaving a half-written output
// set: a thread waits for them, abandons every guarded output directory (its staging
// folder, its lock, a directory the run created) and then ends the process by the same
// signal, so the shell sees the usual status (130 for Ctrl-C, 143 for SIGTERM).

#include "gridplan/io/output.hpp"

namespace gridplan::cli {

/// Blocks the signals in this and every later thread and starts the waiting thread.
/// Call once, first thing in main(), before any other thread exists.
void install_interrupt_handling();

/// While alive, an interrupt abandons `out` before the process ends.
class OutputGuard {
public:
    explicit OutputGuard(io::OutputDir& out);
    ~OutputGuard();
    OutputGuard(const OutputGuard&) = delete;
    OutputGuard& operator=(const OutputGuard&) = delete;
    OutputGuard(OutputGuard&&) = delete;
    OutputGuard& operator=(OutputGuard&&) = delete;

private:
    io::OutputDir& m_out;
};

} // namespace gridplan::cli
