// gridplan: the command-line front end. The only place that catches errors, prints
// "gridplan: error: ..." and turns them into exit codes.
#include "command.hpp"
#include "interrupt.hpp"
#include "run_log.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/wrap/gdal.hpp"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>
#include <sstream>

namespace {

using gridplan::ExitCode;
using gridplan::cli::Command;

constexpr const char* exit_codes_text =
    "  0  success\n"
    "  1  bad input data or configuration (the message names the file, layer, feature id or key)\n"
    "  2  bad command-line usage\n"
    "  3  targets cannot be met (with --strict)\n"
    "  4  internal error (a bug: please report it)\n";

std::string help_page(CLI::App& sub, const Command& cmd) {
    std::ostringstream page;
    page << "NAME\n  gridplan " << cmd.name() << " - " << cmd.summary() << "\n\nSYNOPSIS\n";
    std::istringstream synopsis{cmd.synopsis()};
    for (std::string line; std::getline(synopsis, line);) {
        page << "  " << line << '\n';
    }
    page << "\nOPTIONS\n";
    for (const CLI::Option* opt : sub.get_options()) {
        std::string names = opt->get_name(false, true);
        if (opt->get_type_size() != 0 && !opt->get_positional()) {
            names += " " + std::string{opt->get_type_name()};
        }
        page << "  " << names << '\n';
        if (!opt->get_description().empty()) {
            page << "      " << opt->get_description() << '\n';
        }
    }
    page << "\nEXIT CODES\n" << exit_codes_text << "\nEXAMPLES\n" << cmd.examples() << '\n';
    return page.str();
}

int to_int(ExitCode c) { return static_cast<int>(c); }

} // namespace

int main(int argc, char** argv) {
    gridplan::cli::install_interrupt_handling();
    auto commands = gridplan::cli::make_commands();
    CLI::App app{"gridplan: divide a district into community grids along streets, roads, alleys and rivers",
                 "gridplan"};
    app.require_subcommand(0, 1);
    app.set_version_flag("--version,-V", std::string{"gridplan "} + GRIDPLAN_VERSION);
    app.footer("Run 'gridplan help COMMAND' for a command's full page.");
    gridplan::cli::CommonOptions common;

    std::vector<std::pair<CLI::App*, Command*>> subs;
    for (auto& c : commands) {
        CLI::App* sub = app.add_subcommand(c->name(), c->summary());
        sub->add_flag("--verbose,-v", common.verbose, "Print what each stage did, with timings");
        sub->add_flag("--quiet,-q", common.quiet, "Print no warnings");
        sub->add_option("--threads", common.threads, "Worker threads (default: the machine's cores); outputs do not depend on it")->check(CLI::Range(1U, 256U));
        sub->add_option("--log-json", common.log_json,
                        "Write the run's events (stages, progress, warnings, the result's figures, the exit) to "
                        "FILE as JSON Lines");
        c->setup(*sub);
        subs.emplace_back(sub, c.get());
    }
    std::string help_topic;
    CLI::App* help = app.add_subcommand("help", "Show the full page of a command");
    help->add_option("command", help_topic, "The command");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "gridplan: error: " << e.what() << "\nRun 'gridplan --help' for usage.\n";
        return to_int(ExitCode::usage);
    }

    if (help->parsed()) {
        if (help_topic.empty()) {
            std::cout << app.help();
            return 0;
        }
        for (auto& [sub, cmd] : subs) {
            if (cmd->name() == help_topic) {
                std::cout << help_page(*sub, *cmd);
                return 0;
            }
        }
        std::cerr << "gridplan: error: no command '" << help_topic << "'; run 'gridplan --help'\n";
        return to_int(ExitCode::usage);
    }

    auto& log = gridplan::cli::run_log();
    try {
        for (auto& [sub, cmd] : subs) {
            if (sub->parsed()) {
                if (!common.log_json.empty()) {
                    std::vector<std::string> args;
                    for (int i = 1; i < argc; ++i) {
                        args.push_back(gridplan::wrap::mask_password(argv[i]));
                    }
                    log.open(common.log_json, cmd->name(), args);
                }
                cmd->check();
                const int code = cmd->run(common);
                log.end(code, "");
                return code;
            }
        }
        std::cout << app.help();
        return to_int(ExitCode::usage);
    } catch (const gridplan::Error& e) {
        // A connection string in a message never shows its password.
        const std::string message = gridplan::wrap::mask_password(e.what());
        std::cerr << "gridplan: error: " << message << '\n';
        log.end(to_int(e.exit_code()), message);
        return to_int(e.exit_code());
    } catch (const std::bad_alloc&) {
        std::cerr << "gridplan: error: out of memory\n";
        log.end(to_int(ExitCode::internal), "out of memory");
        return to_int(ExitCode::internal);
    } catch (const std::exception& e) {
        const std::string message = gridplan::wrap::mask_password(e.what());
        std::cerr << "gridplan: error: internal: " << message << '\n';
        log.end(to_int(ExitCode::internal), "internal: " + message);
        return to_int(ExitCode::internal);
    }
}
