#pragma once
// Writing outputs: every file is staged in a temporary folder inside the output
// directory and renamed into place only when the whole run succeeded. Vector layers go
// through GDAL's drivers (GeoJSON as RFC 7946, GeoPackage, Shapefile, ...).

#include "gridplan/crs/crs.hpp"
#include "gridplan/wrap/geos.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

class GDALDataset;
class OGRLayer;

namespace gridplan::io {

/// The output directory of one run. Files are written into a staging folder and moved
/// into place by commit(); without commit() (an exception) nothing is left behind.
class OutputDir {
public:
    /// Creates `dir` if needed; throws InputError if it cannot be written.
    explicit OutputDir(std::filesystem::path dir);
    ~OutputDir();
    OutputDir(const OutputDir&) = delete;
    OutputDir& operator=(const OutputDir&) = delete;
    OutputDir(OutputDir&&) = delete;
    OutputDir& operator=(OutputDir&&) = delete;

    const std::filesystem::path& dir() const noexcept { return m_dir; }
    /// Where to write `name` now (inside the staging folder).
    std::filesystem::path stage(const std::string& name);
    /// Writes a whole text file into the staging folder.
    void write_text(const std::string& name, const std::string& text);
    /// Files that must never be overwritten (checked by commit()).
    void protect(const std::vector<std::string>& inputs);
    /// Moves every staged file into place (each rename is atomic).
    void commit();
    /// Final paths of the files written, in the order they were staged.
    std::vector<std::filesystem::path> files() const;

private:
    std::filesystem::path m_dir;
    std::filesystem::path m_staging;
    std::vector<std::string> m_names;
    std::vector<std::string> m_inputs;
    bool m_committed = false;
};

/// An output vector format.
struct OutputFormat {
    std::string driver = "GeoJSON";  ///< GDAL driver short name
    std::string extension = "geojson";
    bool multi_layer = false;         ///< all layers of a product in one file (GPKG)
    bool single_geometry_type = false; ///< needs one geometry type per layer (Shapefile)
    bool short_field_names = false;   ///< 10-character field names (Shapefile)

    /// "geojson", "gpkg", "shp" or any GDAL vector driver name; throws UsageError.
    static OutputFormat from_name(const std::string& name);
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

} // namespace gridplan::io
