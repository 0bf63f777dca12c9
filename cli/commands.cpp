// The one place where subcommands are registered.
#include "command.hpp"

namespace gridplan::cli {

std::vector<std::unique_ptr<Command>> make_commands() {
    std::vector<std::unique_ptr<Command>> commands;
    commands.push_back(make_plan_command());
    commands.push_back(make_replan_command());
    commands.push_back(make_blocks_command());
    commands.push_back(make_coverage_command());
    commands.push_back(make_synth_command());
    commands.push_back(make_info_command());
    commands.push_back(make_validate_command());
    commands.push_back(make_split_command());
    commands.push_back(make_merge_command());
    return commands;
}

} // namespace gridplan::cli
