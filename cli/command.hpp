#pragma once
// A gridplan subcommand (osmium-tool's pattern): setup() registers options and parses
// only; run() does the work and returns the exit code. Errors are thrown, and caught
// once in main.cpp.

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace gridplan::cli {

/// Options every subcommand understands.
struct CommonOptions {
    bool verbose = false;
    bool quiet = false;
    unsigned threads = 0;  ///< 0: the machine's cores
    std::string log_json;  ///< --log-json: JSON Lines events file ("" none)
};

class Command {
public:
    Command() = default;
    virtual ~Command() = default;
    Command(const Command&) = delete;
    Command& operator=(const Command&) = delete;
    Command(Command&&) = delete;
    Command& operator=(Command&&) = delete;

    virtual std::string name() const = 0;
    /// One line: what the command does.
    virtual std::string summary() const = 0;
    /// "gridplan blocks CONFIG.json --out DIR" and alternatives, one per line.
    virtual std::string synopsis() const = 0;
    virtual std::string examples() const = 0;
    /// Registers the command's options on its CLI11 subcommand (no I/O here).
    virtual void setup(CLI::App& app) = 0;
    /// Checks option combinations after parsing; throws UsageError.
    virtual void check() {}
    virtual int run(const CommonOptions& common) = 0;
};

std::unique_ptr<Command> make_blocks_command();
std::unique_ptr<Command> make_coverage_command();
std::unique_ptr<Command> make_plan_command();
std::unique_ptr<Command> make_replan_command();
std::unique_ptr<Command> make_synth_command();
std::unique_ptr<Command> make_info_command();
std::unique_ptr<Command> make_validate_command();
std::unique_ptr<Command> make_split_command();
std::unique_ptr<Command> make_merge_command();

/// Every command, in the order `gridplan --help` lists them.
std::vector<std::unique_ptr<Command>> make_commands();

} // namespace gridplan::cli
