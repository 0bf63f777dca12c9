// fuzz_config: bytes -> a project config file -> config::load_project_config, then what
// the CLI derives from the config before reading anything (the output format, an
// EPSG working or output CRS).
#include "fuzz_bodies.hpp"

#include "gridplan/config/project.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/crs/crs.hpp"
#include "gridplan/io/output.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <system_error>
#include <unistd.h>

namespace gridplan::fuzz {

namespace {

namespace fs = std::filesystem;

/// A private folder for this process's config file, removed at exit. The loader only
/// takes a path, so every input is written to the same file.
class ScratchDir {
public:
    ScratchDir() {
        // Memory-backed when there is /dev/shm and no TMPDIR: a file is written per input.
        const char* tmpdir = std::getenv("TMPDIR");
        const fs::path base = tmpdir == nullptr && fs::is_directory("/dev/shm") ? fs::path{"/dev/shm"}
                                                                                 : fs::temp_directory_path();
        std::string pattern = (base / "gridplan_fuzz_config.XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            std::perror("gridplan fuzz: mkdtemp");
            std::abort();
        }
        m_dir = pattern;
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    ScratchDir(ScratchDir&&) = delete;
    ScratchDir& operator=(ScratchDir&&) = delete;
    fs::path file(const std::string& name) const { return m_dir / name; }

private:
    fs::path m_dir;
};

/// Only "EPSG:N" goes on to PROJ: SetFromUserInput also takes file names and URLs,
/// which a fuzzer must not open.
bool plain_epsg(const std::string& s) {
    static const std::regex epsg{R"((EPSG|epsg):[0-9]{1,6})"};
    return std::regex_match(s, epsg);
}

} // namespace

Outcome run_config(const std::uint8_t* data, std::size_t size) {
    static const ScratchDir scratch;
    const std::string path = scratch.file("district.json").string();
    {
        std::ofstream out{path, std::ios::binary | std::ios::trunc};
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
        if (!out) {
            std::perror("gridplan fuzz: cannot write the config file");
            std::abort();
        }
    }
    Outcome outcome;
    try {
        config::ProjectConfig cfg = config::load_project_config(path);
        // As DistrictOptions::output_options and read_district use them.
        cfg.output.validate();
        (void)io::OutputFormat::from_name(cfg.output.format);
        for (const std::string& crs : {cfg.output.crs, cfg.district.working_crs}) {
            if (plain_epsg(crs)) {
                (void)crs::Crs::from_user_input(crs);
            }
        }
        cfg.plan.validate();
        (void)cfg.plan.band_low();
        (void)cfg.plan.band_high();
    } catch (const InternalError&) {
        throw;
    } catch (const Error& e) {
        outcome.rejected = true;
        outcome.message = e.what();
    }
    return outcome;
}

} // namespace gridplan::fuzz
