#include "gridplan/io/output.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/sha256.hpp"
#include "gridplan/wrap/gdal.hpp"

#include <ogr_geometry.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <system_error>

#include <csignal>
#include <cstdlib>
#include <mutex>
#include <set>

#include <cpl_vsi.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gridplan::io {

namespace fs = std::filesystem;

// --- OutputDir -------------------------------------------------------------------

namespace {

constexpr const char* staging_prefix = ".gridplan-tmp-";
constexpr const char* lock_name = ".gridplan.lock";

/// Product names gridplan's analysis commands write (file stems, before any extension
/// or geometry suffix). Files of these names that a run did not write are stale.
const std::set<std::string>& analysis_stems() {
    static const std::set<std::string> stems{
        "blocks",         "blocks_qa",   "households_estimated", "adjacency",     "blocks_summary",
        "grids",          "grid_edges",  "plan",                 "coverage",      "uncovered",
        "service_areas",  "proposed_centres", "coverage_qa", "changes", "barriers", "merge"};
    return stems;
}

/// Extensions of the files gridplan's output formats write (with Shapefile's sidecars).
/// A stale output is `stem.ext` exactly: a QGIS style (.qml), project (.qgz), GDAL's
/// .aux.xml or SQLite's -wal/-shm beside an output are never touched.
const std::set<std::string>& output_extensions() {
    static const std::set<std::string> exts{"geojson", "gpkg", "shp", "shx", "dbf", "prj", "cpg", "fgb",
                                            "csv",     "gml",  "xsd", "kml", "sqlite", "mif", "mid", "tab",
                                            "map",     "id",   "dat", "ods", "xlsx"};
    return exts;
}

/// The manifests of gridplan's commands; synth's lists input data of later runs.
const std::vector<std::string>& manifest_names() {
    static const std::vector<std::string> names{"blocks_summary.json", "coverage.json", "plan.json", "merge.json",
                                                "synth_summary.json"};
    return names;
}

std::string errno_text(int e) { return std::strerror(e); }

/// Writes `size` bytes to `path` and makes them durable: every write, fsync and close is
/// checked. `shown` is the path named in errors (the final place of the file).
void write_file_checked(const fs::path& path, const void* data, std::size_t size, const fs::path& shown) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        throw InputError{"cannot create output file: " + errno_text(errno), shown.string()};
    }
    const auto* p = static_cast<const char*>(data);
    std::size_t left = size;
    while (left > 0) {
        const ssize_t n = ::write(fd, p, std::min<std::size_t>(left, std::size_t{1} << 26));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            const int e = n < 0 ? errno : EIO;
            ::close(fd);
            throw InputError{"cannot write output file (" + std::to_string(size - left) + " of " +
                                 std::to_string(size) + " bytes written): " + errno_text(e),
                             shown.string()};
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        const int e = errno;
        ::close(fd);
        throw InputError{"cannot write output file (sync failed): " + errno_text(e), shown.string()};
    }
    if (::close(fd) != 0) {
        throw InputError{"cannot write output file (close failed): " + errno_text(errno), shown.string()};
    }
}

/// Makes renames inside `dir` durable (best effort: some file systems refuse it).
void sync_directory(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

/// Test hook: with GRIDPLAN_TEST_KILL_AFTER_RENAMES=N the process kills itself after N
/// renames of a commit, so tests can show that an interrupted set is recognisable.
std::optional<long> kill_after_renames() {
    const char* v = std::getenv("GRIDPLAN_TEST_KILL_AFTER_RENAMES");
    if (v == nullptr || *v == '\0') {
        return std::nullopt;
    }
    return std::strtol(v, nullptr, 10);
}

std::atomic<unsigned> memory_counter{0};

} // namespace

OutputDir::OutputDir(fs::path dir, std::string manifest, std::optional<DatabaseTarget> database)
    : m_dir(std::move(dir)), m_manifest_name(std::move(manifest)) {
    if (m_dir.empty()) {
        throw InputError{"the output directory is an empty path"};
    }
    if (database) {
        m_database = std::make_unique<DatabaseOutput>(std::move(*database));
    }
    std::error_code ec;
    if (fs::exists(m_dir, ec) && !fs::is_directory(m_dir, ec)) {
        throw InputError{"output path exists and is not a directory", m_dir.string()};
    }
    // Remember which levels this run creates, to remove them again if it fails.
    for (fs::path p = fs::absolute(m_dir, ec); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
        m_created.insert(m_created.begin(), p);
        if (p == p.parent_path()) {
            break;
        }
    }
    fs::create_directories(m_dir, ec);
    if (ec) {
        throw InputError{"cannot create output directory: " + ec.message(), m_dir.string()};
    }
    try {
        lock();
        remove_stale_staging();
        std::string pattern = (m_dir / (std::string{staging_prefix} + "XXXXXX")).string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw InputError{"output directory is not writable: " + errno_text(errno), m_dir.string()};
        }
        m_staging = pattern;
    } catch (...) {
        release();
        throw;
    }
    m_memory = "/vsimem/gridplan-" + std::to_string(::getpid()) + "-" + std::to_string(memory_counter++);
    // Some drivers (CSV) check that the folder of a new file exists.
    wrap::gdal_init();
    VSIMkdir(m_memory.c_str(), 0755);
}

OutputDir::~OutputDir() {
    abandon();
    VSIRmdirRecursive(m_memory.c_str());
    m_database.reset();  // drops its staging tables unless published
}

void OutputDir::lock() {
    m_lock_path = m_dir / lock_name;
    // A run that ends removes its lock file; if it did so between our open and flock,
    // we hold a lock on a removed file: open the new one and try again.
    for (int attempt = 0; attempt < 16; ++attempt) {
        const int fd = ::open(m_lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) {
            throw InputError{"output directory is not writable: " + errno_text(errno), m_dir.string()};
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const int e = errno;
            ::close(fd);
            if (e == EWOULDBLOCK) {
                throw InputError{"another gridplan run is writing to this output directory (it holds " +
                                     std::string{lock_name} + "); wait for it to finish or choose another --out",
                                 m_dir.string()};
            }
            throw InputError{"cannot lock the output directory: " + errno_text(e), m_dir.string()};
        }
        struct stat held {};
        struct stat now {};
        if (::fstat(fd, &held) == 0 && ::stat(m_lock_path.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
            held.st_dev == now.st_dev) {
            m_lock_fd = fd;
            return;
        }
        ::close(fd);
    }
    throw InputError{"cannot lock the output directory (its lock file keeps changing)", m_dir.string()};
}

void OutputDir::remove_stale_staging() const {
    // We hold the lock: no other run is writing here, so every staging folder is left
    // over from a run that was killed.
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(m_dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(staging_prefix, 0) == 0 && entry.is_directory(ec)) {
            fs::remove_all(entry.path(), ec);
        }
    }
}

std::string OutputDir::gdal_path(const std::string& name, bool virtual_io) {
    return virtual_io ? m_memory + "/" + name : (m_staging / name).string();
}

void OutputDir::write_text(const std::string& name, const std::string& text) {
    const std::string path = m_memory + "/" + name;
    VSILFILE* f = VSIFOpenL(path.c_str(), "wb");
    const bool ok = f != nullptr && VSIFWriteL(text.data(), 1, text.size(), f) == text.size();
    if (f == nullptr || VSIFCloseL(f) != 0 || !ok) {
        throw InternalError{"cannot keep output file " + name + " in memory"};
    }
}

void OutputDir::write_manifest(const nlohmann::json& manifest) {
    if (m_manifest_name.empty()) {
        throw InternalError{"OutputDir::write_manifest without a manifest name"};
    }
    m_manifest = manifest;
}

void OutputDir::protect(const std::vector<std::string>& inputs) {
    m_inputs.insert(m_inputs.end(), inputs.begin(), inputs.end());
}

/// The file names an earlier manifest in `dir` lists (plain names only).
std::map<std::string, std::string> OutputDir::listed_in_manifest(const std::string& manifest) const {
    std::map<std::string, std::string> listed;
    std::ifstream in{m_dir / manifest, std::ios::binary};
    if (!in) {
        return listed;
    }
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object() || !j.contains("files") || !j["files"].is_array()) {
        return listed;
    }
    for (const auto& f : j["files"]) {
        if (f.is_object() && f.contains("name") && f["name"].is_string()) {
            const std::string n = f["name"].get<std::string>();
            if (!n.empty() && n.find('/') == std::string::npos && n != "." && n != "..") {
                listed[n] = f.contains("sha256") && f["sha256"].is_string() ? f["sha256"].get<std::string>() : "";
            }
        }
    }
    return listed;
}

std::map<std::string, std::string> OutputDir::listed_files() const {
    std::map<std::string, std::string> listed;
    for (const auto& m : manifest_names()) {
        // The files a synth run wrote are input data: only another synth run replaces them.
        if (m != "synth_summary.json" || m_manifest_name == "synth_summary.json") {
            const auto names = listed_in_manifest(m);
            listed.insert(names.begin(), names.end());
        }
    }
    return listed;
}

bool OutputDir::edited_since_written(const std::string& name) const {
    std::error_code ec;
    return fs::is_regular_file(m_dir / name, ec) && edited_since_written(name, listed_files());
}

bool OutputDir::edited_since_written(const std::string& name, const std::map<std::string, std::string>& listed) const {
    const auto it = listed.find(name);
    return it == listed.end() || it->second.empty() || sha256_file((m_dir / name).string()) != it->second;
}

bool OutputDir::is_protected(const fs::path& p) const {
    std::error_code ec;
    for (const auto& in : m_inputs) {
        const fs::path input{in};
        if (!fs::exists(input, ec)) {
            continue;
        }
        if (fs::exists(p, ec) && fs::equivalent(p, input, ec)) {
            return true;
        }
        // The sidecars of an input (a Shapefile's .dbf, .shx, .prj) are the input too.
        const fs::path parent = input.has_parent_path() ? input.parent_path() : fs::path{"."};
        if (p.stem() == input.stem() && fs::equivalent(p.parent_path(), parent, ec)) {
            return true;
        }
    }
    // A synthetic district's files are the inputs of later runs: only synth replaces them.
    return m_manifest_name != "synth_summary.json" && m_synth_files.count(p.filename().string()) > 0;
}

std::vector<fs::path> OutputDir::stale_outputs(const std::vector<std::string>& written) const {
    const std::map<std::string, std::string> listed = listed_files();
    std::vector<fs::path> stale;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(m_dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name[0] == '.' || !entry.is_regular_file(ec) ||
            std::find(written.begin(), written.end(), name) != written.end()) {
            continue;
        }
        bool own = listed.count(name) > 0 ||
                   (std::find(manifest_names().begin(), manifest_names().end(), name) != manifest_names().end() &&
                    (name != "synth_summary.json" || m_manifest_name == name));
        const auto dot = name.find('.');
        if (!own && dot != std::string::npos && name.find('.', dot + 1) == std::string::npos &&
            output_extensions().count(name.substr(dot + 1)) > 0) {
            std::string stem = name.substr(0, dot);
            for (const char* suffix : {"_point", "_line", "_polygon", "_table"}) {
                const std::string sfx{suffix};
                if (stem.size() > sfx.size() && stem.compare(stem.size() - sfx.size(), sfx.size(), sfx) == 0 &&
                    analysis_stems().count(stem.substr(0, stem.size() - sfx.size())) > 0) {
                    stem.resize(stem.size() - sfx.size());
                    break;
                }
            }
            own = analysis_stems().count(stem) > 0;
        }
        // A style written by an earlier run and edited since (saved from QGIS) is the user's.
        if (own && name.size() > 4 && name.compare(name.size() - 4, 4, ".qml") == 0 &&
            edited_since_written(name, listed)) {
            own = false;
        }
        if (own && !is_protected(entry.path())) {
            stale.push_back(entry.path());
        }
    }
    std::sort(stale.begin(), stale.end());
    return stale;
}

void OutputDir::commit(const Logger& log) {
    if (m_done.load()) {
        throw InternalError{"OutputDir::commit after commit or abandon"};
    }
    if (!m_manifest_name.empty() && !m_manifest) {
        throw InternalError{"OutputDir::commit without the manifest " + m_manifest_name};
    }
    if (m_manifest_name != "synth_summary.json") {
        for (const auto& [name, sha] : listed_in_manifest("synth_summary.json")) {
            m_synth_files.insert(name);
        }
    }
    // 1. Every file of the set into the staging folder, checked byte for byte.
    struct Staged {
        std::uint64_t bytes = 0;
        std::string sha256;
    };
    std::map<std::string, Staged> staged;
    const std::unique_ptr<char*, decltype(&CSLDestroy)> names_in_memory{VSIReadDir(m_memory.c_str()), &CSLDestroy};
    for (char** n = names_in_memory.get(); n != nullptr && *n != nullptr; ++n) {
        const std::string name = *n;
        const std::string path = m_memory + "/" + name;
        VSIStatBufL stat{};
        if (VSIStatL(path.c_str(), &stat) == 0 && VSI_ISDIR(stat.st_mode)) {
            // MVT and the like write a tree of files: not an output set gridplan can seal.
            throw UsageError{"the output format wrote a folder (" + name +
                             ") instead of files; use geojson, gpkg, shp or another file format"};
        }
        if (m_database && fs::path{name}.extension() == ".gpkg") {
            m_database->stage(path);
            VSIUnlink(path.c_str());
            continue;
        }
        vsi_l_offset length = 0;
        GByte* data = VSIGetMemFileBuffer(path.c_str(), &length, FALSE);
        if (data == nullptr) {
            continue;  // a file the driver removed meanwhile
        }
        write_file_checked(m_staging / name, data, static_cast<std::size_t>(length), m_dir / name);
        Sha256 sha;
        sha.update(data, static_cast<std::size_t>(length));
        staged[name] = Staged{static_cast<std::uint64_t>(length), sha.hex_digest()};
        VSIUnlink(path.c_str());
    }
    for (const auto& entry : fs::directory_iterator(m_staging)) {
        const std::string name = entry.path().filename().string();
        if (staged.count(name) == 0) {  // written in place by a driver without virtual file support
            if (!entry.is_regular_file()) {
                throw UsageError{"the output format wrote a folder (" + name +
                                 ") instead of files; use geojson, gpkg, shp or another file format"};
            }
            staged[name] = Staged{static_cast<std::uint64_t>(fs::file_size(entry.path())),
                                  sha256_file(entry.path().string())};
        }
    }
    if (!m_manifest_name.empty()) {
        nlohmann::json manifest = *m_manifest;
        nlohmann::json files = nlohmann::json::array();
        for (const auto& [name, s] : staged) {
            files.push_back({{"name", name}, {"bytes", s.bytes}, {"sha256", s.sha256}});
        }
        manifest["files"] = files;
        if (m_database) {
            manifest["database"] = m_database->describe();
        }
        const std::string text = manifest.dump(2) + "\n";
        write_file_checked(m_staging / m_manifest_name, text.data(), text.size(), m_dir / m_manifest_name);
    }
    std::vector<std::string> names;
    for (const auto& [name, s] : staged) {
        names.push_back(name);
    }
    if (!m_manifest_name.empty()) {
        names.push_back(m_manifest_name);
    }

    // 2. Check everything before moving anything: an input is never overwritten.
    std::error_code ec;
    for (const auto& name : names) {
        const fs::path target = m_dir / name;
        if (is_protected(target)) {
            throw InputError{m_synth_files.count(name) > 0
                                 ? "refusing to overwrite a file of the synthetic district in this folder (its "
                                   "synth_summary.json lists it); choose another --out"
                                 : "refusing to overwrite an input file (or a file beside it of the same name) with "
                                   "an output; choose another --out",
                             target.string()};
        }
        if (fs::is_directory(target, ec)) {
            throw InputError{"cannot replace a directory with an output file", target.string()};
        }
    }
    const std::vector<fs::path> stale = stale_outputs(names);

    // 3. Every manifest that will not stay goes first, so that a set interrupted from here
    //    on has none; then the files, the stale ones out, and the new manifest last. An
    //    interrupt waits for this phase to end (abandon() takes the same mutex).
    const std::lock_guard<std::mutex> phase{m_commit_mutex};
    if (m_done.load()) {
        throw InputError{"interrupted", m_dir.string()};
    }
    if (m_database) {
        m_database->publish();  // the tables first: the folder's manifest then describes them
    }
    std::vector<std::string> removed;
    std::vector<std::string> kept;
    auto remove_stale = [&](const fs::path& p) {
        if (fs::remove(p, ec)) {
            removed.push_back(p.filename().string());
        } else if (fs::exists(p, ec)) {
            kept.push_back(p.filename().string());
        }
    };
    if (!m_manifest_name.empty()) {
        fs::remove(m_dir / m_manifest_name, ec);
    }
    for (const auto& p : stale) {
        const std::string name = p.filename().string();
        if (std::find(manifest_names().begin(), manifest_names().end(), name) != manifest_names().end()) {
            remove_stale(p);
        }
    }
    const std::optional<long> kill_after = kill_after_renames();
    long renames = 0;
    auto move_into_place = [&](const std::string& name) {
        const fs::path target = m_dir / name;
        fs::rename(m_staging / name, target, ec);
        if (ec) {
            throw InputError{"cannot move output into place: " + ec.message(), target.string()};
        }
        if (kill_after && ++renames >= *kill_after) {
            ::raise(SIGKILL);
        }
    };
    for (std::size_t i = 0; i + (m_manifest_name.empty() ? 0 : 1) < names.size(); ++i) {
        move_into_place(names[i]);
    }
    for (const auto& p : stale) {
        if (fs::exists(p, ec)) {
            remove_stale(p);
        }
    }
    auto list = [](const std::vector<std::string>& v) {
        std::string text;
        for (const auto& r : v) {
            text += (text.empty() ? "" : ", ") + r;
        }
        return text;
    };
    if (!removed.empty()) {
        std::sort(removed.begin(), removed.end());
        log.warning("removed " + std::to_string(removed.size()) + " output file" + (removed.size() == 1 ? "" : "s") +
                    " of an earlier run that this run did not write, from " + m_dir.string() + ": " + list(removed));
    }
    if (!kept.empty()) {
        log.warning("could not remove " + std::to_string(kept.size()) + " output file" +
                    (kept.size() == 1 ? "" : "s") + " of an earlier run from " + m_dir.string() + ": " + list(kept));
    }
    sync_directory(m_dir);
    if (!m_manifest_name.empty()) {
        move_into_place(m_manifest_name);
        sync_directory(m_dir);
    }
    for (const auto& name : names) {
        m_files.push_back(m_dir / name);
    }
    m_created.clear();  // the directory now holds the outputs: keep it
    m_done = true;
    release();          // the staging folder (now empty) and the lock
}

void OutputDir::abandon() noexcept {
    const std::lock_guard<std::mutex> phase{m_commit_mutex};
    if (m_done.exchange(true)) {
        return;
    }
    release();
}

void OutputDir::release() noexcept {
    std::error_code ec;
    if (!m_staging.empty()) {
        fs::remove_all(m_staging, ec);
    }
    if (m_lock_fd >= 0) {
        ::unlink(m_lock_path.c_str());  // while we still hold it: see lock()
        ::close(m_lock_fd);
        m_lock_fd = -1;
    }
    for (auto it = m_created.rbegin(); it != m_created.rend(); ++it) {
        fs::remove(*it, ec);  // only if empty
    }
}

// --- formats ---------------------------------------------------------------------

OutputFormat OutputFormat::for_database() {
    OutputFormat f = from_name("gpkg");
    f.database = true;
    return f;
}

OutputFormat OutputFormat::from_name(const std::string& name) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    OutputFormat f;
    if (lower == "geojson" || lower == "json") {
        return f;
    }
    if (lower == "gpkg" || lower == "geopackage") {
        f.driver = "GPKG";
        f.extension = "gpkg";
        f.multi_layer = true;
        return f;
    }
    if (lower == "shp" || lower == "shapefile" || lower == "esri shapefile") {
        f.driver = "ESRI Shapefile";
        f.extension = "shp";
        f.single_geometry_type = true;
        f.short_field_names = true;
        return f;
    }
    wrap::gdal_init();
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(name.c_str());
    if (driver == nullptr || driver->GetMetadataItem(GDAL_DCAP_VECTOR) == nullptr ||
        driver->GetMetadataItem(GDAL_DCAP_CREATE) == nullptr) {
        throw UsageError{"unknown output format '" + name +
                         "': use geojson, gpkg, shp or the name of a GDAL vector driver that can create files"};
    }
    // Drivers that keep data in memory (Memory, MEM) or in a database have no file
    // extension: they would "succeed" and leave no file behind.
    const char* ext = driver->GetMetadataItem(GDAL_DMD_EXTENSION);
    const char* exts = driver->GetMetadataItem(GDAL_DMD_EXTENSIONS);
    std::string extension = ext != nullptr ? ext : "";
    if (extension.empty() && exts != nullptr) {
        extension = std::string{exts}.substr(0, std::string{exts}.find(' '));
    }
    if (extension.empty()) {
        throw UsageError{"'" + name +
                         "' is a GDAL driver that does not write files (in-memory and database drivers cannot hold "
                         "an output set); use geojson, gpkg, shp or a file format such as FlatGeobuf"};
    }
    f.driver = driver->GetDescription();
    f.extension = extension;
    return f;
}

// --- VectorWriter ----------------------------------------------------------------

namespace {

/// GEOSGeom_transformXY callback: rounds a vertex to a grid of *userdata units.
int round_to_grid(double* x, double* y, void* userdata) {
    const double grid = *static_cast<const double*>(userdata);
    *x = std::round(*x / grid) * grid;
    *y = std::round(*y / grid) * grid;
    return 1;
}

enum class GeomKind { none, point, line, polygon };

GeomKind kind_of(int geos_type) {
    switch (geos_type) {
    case GEOS_POINT:
    case GEOS_MULTIPOINT: return GeomKind::point;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
    case GEOS_MULTILINESTRING: return GeomKind::line;
    case GEOS_POLYGON:
    case GEOS_MULTIPOLYGON: return GeomKind::polygon;
    default: return GeomKind::none;
    }
}

const char* suffix_of(GeomKind k) {
    switch (k) {
    case GeomKind::point: return "_point";
    case GeomKind::line: return "_line";
    case GeomKind::polygon: return "_polygon";
    case GeomKind::none: break;
    }
    return "_table";
}

OGRwkbGeometryType ogr_type_of(GeomKind k) {
    switch (k) {
    case GeomKind::point: return wkbPoint;
    case GeomKind::line: return wkbMultiLineString;
    case GeomKind::polygon: return wkbMultiPolygon;
    case GeomKind::none: break;
    }
    return wkbNone;
}

} // namespace

struct VectorWriter::Impl {
    OutputDir& out;
    std::string product;
    OutputOptions options;
    const wrap::GeosContext& geos;
    crs::Crs target_crs;
    crs::Transformer transformer;
    wrap::ScopedConfigOption gpkg_date{"OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z"};
    wrap::ScopedConfigOption dbf_date{"DBF_DATE_LAST_UPDATE", "2000-01-01"};

    struct Sink {
        GDALDatasetUniquePtr ds;
        OGRLayer* layer = nullptr;
        std::string file;
    };
    GDALDatasetUniquePtr product_ds;  // multi-layer formats
    std::string product_file;
    std::map<std::string, Sink> sinks;  // per layer (and geometry kind) name
    LayerDef current;
    bool in_layer = false;

    Impl(OutputDir& o, std::string p, const OutputOptions& opt, const crs::Crs& working, const wrap::GeosContext& g)
        : out(o), product(std::move(p)), options(opt), geos(g),
          target_crs(opt.format.is_geojson() ? crs::Crs::wgs84() : (opt.crs.empty() ? working : opt.crs)),
          transformer(working, target_crs) {}

    GDALDriver& driver() const {
        wrap::gdal_init();
        GDALDriver* d = GetGDALDriverManager()->GetDriverByName(options.format.driver.c_str());
        if (d == nullptr) {
            throw UsageError{"GDAL driver '" + options.format.driver + "' is not available"};
        }
        return *d;
    }

    GDALDatasetUniquePtr create_dataset(const std::string& file) {
        wrap::CplMessageCapture capture;
        GDALDriver& d = driver();
        // In memory where the driver can: every byte then reaches the disk through
        // OutputDir's checked writes (GDAL's GeoJSON writer ignores short writes).
        const std::string path = out.gdal_path(file, d.GetMetadataItem(GDAL_DCAP_VIRTUALIO) != nullptr);
        GDALDatasetUniquePtr ds{d.Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr)};
        if (!ds) {
            throw InputError{"cannot create output: " + capture.last_error(), (out.dir() / file).string()};
        }
        return ds;
    }

    std::string field_name(const FieldDef& f) const {
        if (options.format.short_field_names) {
            const std::string n = f.short_name.empty() ? f.name : f.short_name;
            return n.substr(0, 10);
        }
        return f.name;
    }

    Sink& sink_for(GeomKind kind) {
        std::string layer_name = current.name;
        if (options.format.single_geometry_type && current.geometry_type == wkbUnknown) {
            layer_name += suffix_of(kind);
        }
        auto it = sinks.find(layer_name);
        if (it != sinks.end()) {
            return it->second;
        }
        Sink s;
        GDALDataset* ds = nullptr;
        if (options.format.multi_layer) {
            if (!product_ds) {
                product_file = product + "." + options.format.extension;
                product_ds = create_dataset(product_file);
                product_ds->StartTransaction();
            }
            ds = product_ds.get();
            s.file = product_file;
        } else {
            s.file = layer_name + "." + options.format.extension;
            s.ds = create_dataset(s.file);
            ds = s.ds.get();
        }
        auto geom_type = static_cast<OGRwkbGeometryType>(current.geometry_type);
        if (options.format.single_geometry_type && geom_type == wkbUnknown) {
            geom_type = ogr_type_of(kind);
        }
        std::unique_ptr<OGRSpatialReference> srs;
        if (geom_type != wkbNone) {
            srs = target_crs.to_srs();
        }
        std::vector<std::string> layer_options;
        if (options.format.is_geojson()) {
            layer_options.emplace_back("RFC7946=YES");
            layer_options.push_back("COORDINATE_PRECISION=" + std::to_string(options.coordinate_precision));
            layer_options.emplace_back("WRITE_NAME=YES");
            if (!options.description.empty()) {
                layer_options.push_back("DESCRIPTION=" + options.description);
            }
        } else if (options.format.driver == "ESRI Shapefile") {
            layer_options.emplace_back("ENCODING=UTF-8");
        } else if (options.format.driver == "GPKG") {
            if (!options.description.empty()) {
                layer_options.push_back("DESCRIPTION=" + options.description);
            }
            layer_options.emplace_back("SPATIAL_INDEX=YES");
        }
        std::vector<const char*> opts;
        for (const auto& o : layer_options) {
            opts.push_back(o.c_str());
        }
        opts.push_back(nullptr);
        wrap::CplMessageCapture capture;
        s.layer = ds->CreateLayer(layer_name.c_str(), srs.get(), geom_type, const_cast<char**>(opts.data()));
        if (s.layer == nullptr) {
            throw InputError{"cannot create layer: " + capture.last_error(), (out.dir() / s.file).string(), layer_name};
        }
        for (const auto& f : current.fields) {
            const OGRFieldType t = f.type == FieldType::integer ? OFTInteger64
                                   : f.type == FieldType::real  ? OFTReal
                                                                : OFTString;
            OGRFieldDefn defn{field_name(f).c_str(), t};
            if (f.type == FieldType::real && f.precision > 0) {
                defn.SetWidth(24);
                defn.SetPrecision(f.precision);
            }
            if (s.layer->CreateField(&defn) != OGRERR_NONE) {
                throw InputError{"cannot create field '" + f.name + "': " + capture.last_error(),
                                 (out.dir() / s.file).string(), layer_name};
            }
        }
        return sinks.emplace(layer_name, std::move(s)).first->second;
    }

    /// The geometry in the output CRS and precision, valid; null if it vanished.
    std::unique_ptr<OGRGeometry> output_geometry(const GEOSGeometry* g, std::size_t& repaired) {
        wrap::GeomPtr t = transformer.apply(geos, g);
        if (options.format.is_geojson()) {
            // Round each vertex to the output precision; where that breaks a polygon or
            // collapses a line (rare at centimetres), round with snapping instead (GEOS's
            // precision reducer, far slower; it drops collapsed parts), then repair a
            // polygon even that leaves invalid.
            double grid = std::pow(10.0, -options.coordinate_precision);
            wrap::GeomPtr rounded = geos.own(GEOSGeom_transformXY_r(geos.handle(), t.get(), round_to_grid, &grid),
                                             "round to output precision");
            const int type = geos.type_id(rounded.get());
            const bool polygonal = type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON;
            if (!geos.is_valid(rounded.get())) {
                rounded = geos.own(GEOSGeom_setPrecision_r(geos.handle(), t.get(), grid, 0), "round to output precision");
            }
            t = std::move(rounded);
            if (polygonal && !geos.is_valid(t.get())) {
                int dropped = 0;
                t = geos.make_valid_polygonal(t.get(), dropped);
                ++repaired;
            }
            if (geos.is_empty(t.get())) {
                return nullptr;
            }
        }
        std::unique_ptr<OGRGeometry> o{OGRGeometryFactory::createFromGEOS(geos.handle(), t.get())};
        if (!o) {
            throw InternalError{"cannot convert a GEOS geometry for output"};
        }
        return o;
    }
};

VectorWriter::VectorWriter(OutputDir& out, std::string product, const OutputOptions& options,
                           const crs::Crs& working_crs, const wrap::GeosContext& geos)
    : m_impl(std::make_unique<Impl>(out, std::move(product), options, working_crs, geos)) {}

VectorWriter::~VectorWriter() = default;

void VectorWriter::begin_layer(const LayerDef& def) {
    m_impl->current = def;
    m_impl->in_layer = true;
    // Create the layer now (even if it stays empty), except for split layers which
    // are created with their first feature.
    if (!(m_impl->options.format.single_geometry_type && def.geometry_type == wkbUnknown)) {
        m_impl->sink_for(GeomKind::none);
    }
}

void VectorWriter::add(const GEOSGeometry* geom, const std::vector<FieldValue>& values) {
    auto& impl = *m_impl;
    if (!impl.in_layer) {
        throw InternalError{"VectorWriter::add before begin_layer"};
    }
    GeomKind kind = GeomKind::none;
    std::unique_ptr<OGRGeometry> og;
    if (geom != nullptr && impl.current.geometry_type != wkbNone) {
        kind = kind_of(impl.geos.type_id(geom));
        og = impl.output_geometry(geom, m_repaired);
        if (og && impl.options.format.single_geometry_type) {
            // Shapefile layers hold multi types: promote singles.
            const auto t = wkbFlatten(og->getGeometryType());
            if (t == wkbPolygon) {
                og.reset(OGRGeometryFactory::forceToMultiPolygon(og.release()));
            } else if (t == wkbLineString) {
                og.reset(OGRGeometryFactory::forceToMultiLineString(og.release()));
            }
        }
    }
    if (impl.options.format.single_geometry_type && impl.current.geometry_type == wkbUnknown && kind == GeomKind::none) {
        kind = GeomKind::point;  // problems without a location go with the points
    }
    Impl::Sink& sink = impl.sink_for(kind);
    OGRFeature feature{sink.layer->GetLayerDefn()};
    for (std::size_t i = 0; i < values.size() && i < impl.current.fields.size(); ++i) {
        const auto idx = static_cast<int>(i);
        std::visit(
            [&feature, idx](const auto& v) {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, std::monostate>) {
                    feature.SetFieldNull(idx);
                } else if constexpr (std::is_same_v<T, std::int64_t>) {
                    feature.SetField(idx, static_cast<GIntBig>(v));
                } else if constexpr (std::is_same_v<T, double>) {
                    feature.SetField(idx, v);
                } else {
                    feature.SetField(idx, v.c_str());
                }
            },
            values[i]);
    }
    if (og) {
        feature.SetGeometryDirectly(og.release());
    }
    wrap::CplMessageCapture capture;
    if (sink.layer->CreateFeature(&feature) != OGRERR_NONE) {
        throw InputError{"cannot write feature: " + capture.last_error(), (impl.out.dir() / sink.file).string(),
                         sink.layer->GetName()};
    }
}

void VectorWriter::finish() {
    auto& impl = *m_impl;
    wrap::CplMessageCapture capture;
    if (impl.product_ds) {
        if (impl.product_ds->CommitTransaction() != OGRERR_NONE) {
            throw InputError{"cannot commit: " + capture.last_error(), (impl.out.dir() / impl.product_file).string()};
        }
    }
    for (auto& [name, sink] : impl.sinks) {
        if (sink.ds) {
            sink.ds->FlushCache();
            sink.ds.reset();
        }
    }
    if (impl.product_ds) {
        impl.product_ds->FlushCache();
        impl.product_ds.reset();
    }
    const std::string error = capture.last_error();
    if (!error.empty()) {
        throw InputError{"writing failed: " + error, (impl.out.dir() / impl.product).string()};
    }
    impl.sinks.clear();
    impl.in_layer = false;
}

std::string csv_line(const std::vector<std::string>& fields) {
    std::string line;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) {
            line += ',';
        }
        const std::string& f = fields[i];
        if (f.find_first_of(",\"\r\n") != std::string::npos) {
            line += '"';
            for (char c : f) {
                if (c == '"') {
                    line += '"';
                }
                line += c;
            }
            line += '"';
        } else {
            line += f;
        }
    }
    line += '\n';
    return line;
}

} // namespace gridplan::io
