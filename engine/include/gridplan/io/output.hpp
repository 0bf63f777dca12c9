#pragma once
// Writing outputs: a run's files are written as one set, checked byte for byte, and
// moved into place only when the whole run succeeded. Vector layers go through GDAL's
// drivers (GeoJSON as RFC 7946, GeoPackage, Shapefile, ...).

#include "gridplan/core/run_context.hpp"
#include "gridplan/crs/crs.hpp"
#include "gridplan/io/database.hpp"
#include "gridplan/wrap/geos.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

class GDALDataset;
class OGRLayer;

namespace gridplan::io {

/// The output directory of one run, written as one consistent set.
///
/// Vector layers are written by GDAL into memory (/vsimem) and text files are kept in
/// memory; commit() writes every file into a staging folder inside the directory with
/// checked writes (each byte, fsync and close), then moves them into place. The manifest
/// (plan.json, coverage.json, blocks_summary.json, synth_summary.json) goes last and lists
/// every file of the set with its size and SHA-256, so a reader can tell a complete set
/// from a mixed one; an earlier manifest is removed before the first rename. A lock file
/// keeps a second run out of the directory while this one holds it. Files of gridplan's
/// own output names that the run did not write are removed at commit (stale outputs of
/// an earlier run). Without commit() (an error, or abandon() on a signal) nothing is left
/// behind: no staging folder and no directory the run created.
///
/// With a database, the vector layers (written as GeoPackage in memory) go into its
/// tables instead of files: staged at commit, published in one transaction before the
/// folder's files move into place; the manifest lists the tables under "database".
class OutputDir {
public:
    /// Creates `dir` if needed, takes its lock (InputError if another run holds it or the
    /// directory cannot be written) and removes staging folders that earlier runs left.
    /// `manifest` names the file written last; it must be written with write_manifest().
    /// With `database`, connects to it first (see DatabaseOutput).
    OutputDir(std::filesystem::path dir, std::string manifest, std::optional<DatabaseTarget> database = {});
    ~OutputDir();
    OutputDir(const OutputDir&) = delete;
    OutputDir& operator=(const OutputDir&) = delete;
    OutputDir(OutputDir&&) = delete;
    OutputDir& operator=(OutputDir&&) = delete;

    const std::filesystem::path& dir() const noexcept { return m_dir; }
    /// The database the vector layers go into, else null.
    const DatabaseOutput* database() const noexcept { return m_database.get(); }
    /// Where a GDAL driver creates `name`: in memory when it supports GDAL's virtual file
    /// API (`virtual_io`), else in the staging folder. Its sidecar files go beside it.
    std::string gdal_path(const std::string& name, bool virtual_io);
    /// Keeps a whole text file for the set.
    void write_text(const std::string& name, const std::string& text);
    /// Whether `name` exists in the folder and is not, byte for byte, what an earlier
    /// run's manifest lists (a style the user saved over, a file of their own).
    bool edited_since_written(const std::string& name) const;
    /// The manifest: written last, with "files" (name, bytes, sha256 of every other file).
    void write_manifest(const nlohmann::json& manifest);
    /// Files that must never be overwritten or removed (checked by commit()).
    void protect(const std::vector<std::string>& inputs);
    /// Writes and moves every file into place, the manifest last, and removes stale
    /// outputs (reported through `log`). Throws InputError naming the file that failed.
    void commit(const Logger& log);
    /// Removes the staging folder, the lock and a directory this run created (if empty).
    /// Safe to call from another thread (the CLI's signal thread); idempotent.
    void abandon() noexcept;
    /// Final paths of the files written, sorted, the manifest last (after commit()).
    const std::vector<std::filesystem::path>& files() const noexcept { return m_files; }

private:
    void lock();
    void remove_stale_staging() const;
    /// The staging folder, the lock and the directories this run created (if empty).
    void release() noexcept;
    /// The files a manifest lists, with their sha256.
    std::map<std::string, std::string> listed_in_manifest(const std::string& manifest) const;
    /// The files the manifests of earlier runs in the folder list (synth's only for synth).
    std::map<std::string, std::string> listed_files() const;
    /// edited_since_written() for a file known to exist, against the listed files.
    bool edited_since_written(const std::string& name, const std::map<std::string, std::string>& listed) const;
    /// An input, a file beside an input with the same stem (its sidecars), or a file of a
    /// synthetic district (listed in synth_summary.json) when this run is not synth.
    bool is_protected(const std::filesystem::path& p) const;
    std::vector<std::filesystem::path> stale_outputs(const std::vector<std::string>& written) const;

    std::filesystem::path m_dir;
    std::string m_manifest_name;
    std::filesystem::path m_staging;
    std::filesystem::path m_lock_path;
    std::string m_memory;                          ///< /vsimem folder of this run
    std::vector<std::filesystem::path> m_created;  ///< directories this run created, outermost first
    int m_lock_fd = -1;
    std::optional<nlohmann::json> m_manifest;
    std::vector<std::string> m_inputs;
    std::vector<std::filesystem::path> m_files;
    std::set<std::string> m_synth_files;  ///< files of a synthetic district in m_dir
    std::unique_ptr<DatabaseOutput> m_database;
    std::mutex m_commit_mutex;            ///< the rename phase of commit() against abandon()
    std::atomic<bool> m_done{false};      ///< committed or abandoned
};

/// An output vector format.
struct OutputFormat {
    std::string driver = "GeoJSON";  ///< GDAL driver short name
    std::string extension = "geojson";
    bool multi_layer = false;         ///< all layers of a product in one file (GPKG)
    bool single_geometry_type = false; ///< needs one geometry type per layer (Shapefile)
    bool short_field_names = false;   ///< 10-character field names (Shapefile)
    /// The layers go into database tables (written as GeoPackage in memory first).
    bool database = false;

    /// "geojson", "gpkg", "shp" or any GDAL vector driver name; throws UsageError.
    static OutputFormat from_name(const std::string& name);
    /// The format of a database output.
    static OutputFormat for_database();
    bool is_geojson() const noexcept { return driver == "GeoJSON"; }
};

enum class FieldType { integer, real, string };

struct FieldDef {
    std::string name;
    FieldType type = FieldType::string;
    /// Name used where field names are cut to 10 characters (Shapefile); "" = name.
    std::string short_name;
    int precision = 0;  ///< decimals for real fields (0 = driver default)
};

using FieldValue = std::variant<std::monostate, std::int64_t, double, std::string>;

struct LayerDef {
    std::string name;
    /// OGR geometry type (wkbPolygon, wkbPoint, wkbUnknown for mixed, wkbNone for tables).
    int geometry_type = 0;
    std::vector<FieldDef> fields;
};

struct OutputOptions {
    OutputFormat format;
    /// CRS of non-GeoJSON outputs (GeoJSON is always WGS84).
    crs::Crs crs;
    /// Decimals of GeoJSON coordinates (RFC 7946 default 7).
    int coordinate_precision = 7;
    /// Layer metadata description (e.g. data attribution).
    std::string description;
};

/// Writes the layers of one product ("blocks" -> blocks.geojson or blocks.gpkg).
class VectorWriter {
public:
    VectorWriter(OutputDir& out, std::string product, const OutputOptions& options, const crs::Crs& working_crs,
                 const wrap::GeosContext& geos);
    ~VectorWriter();
    VectorWriter(const VectorWriter&) = delete;
    VectorWriter& operator=(const VectorWriter&) = delete;
    VectorWriter(VectorWriter&&) = delete;
    VectorWriter& operator=(VectorWriter&&) = delete;

    /// Starts a layer; features follow with add(). Finishes the previous layer.
    void begin_layer(const LayerDef& def);
    /// `geom` in the working CRS (may be null for tables or problems without location).
    void add(const GEOSGeometry* geom, const std::vector<FieldValue>& values);
    /// Flushes and closes everything; throws InputError if the driver failed.
    void finish();

    /// How many geometries had to be repaired after rounding to the output precision.
    std::size_t repaired_after_rounding() const noexcept { return m_repaired; }

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    std::size_t m_repaired = 0;
};

/// Writes RFC 4180 CSV: header then rows; fields quoted when needed.
std::string csv_line(const std::vector<std::string>& fields);

/// `v` rounded to `decimals` decimal places, for figures written to outputs.
inline double round_to(double v, int decimals) {
    const double f = std::pow(10.0, decimals);
    return std::round(v * f) / f;
}

} // namespace gridplan::io
