#include "gridplan/io/output.hpp"

#include "gridplan/core/error.hpp"
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

#include <unistd.h>

namespace gridplan::io {

namespace fs = std::filesystem;

// --- OutputDir -------------------------------------------------------------------

OutputDir::OutputDir(fs::path dir) : m_dir(std::move(dir)) {
    std::error_code ec;
    if (fs::exists(m_dir, ec) && !fs::is_directory(m_dir, ec)) {
        throw InputError{"output path exists and is not a directory", m_dir.string()};
    }
    fs::create_directories(m_dir, ec);
    if (ec) {
        throw InputError{"cannot create output directory: " + ec.message(), m_dir.string()};
    }
    std::string pattern = (m_dir / ".gridplan-tmp-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw InputError{std::string{"output directory is not writable: "} + std::strerror(errno), m_dir.string()};
    }
    m_staging = pattern;
}

OutputDir::~OutputDir() {
    std::error_code ec;
    fs::remove_all(m_staging, ec);
}

fs::path OutputDir::stage(const std::string& name) {
    if (std::find(m_names.begin(), m_names.end(), name) == m_names.end()) {
        m_names.push_back(name);
    }
    return m_staging / name;
}

void OutputDir::write_text(const std::string& name, const std::string& text) {
    const fs::path p = stage(name);
    std::ofstream out{p, std::ios::binary};
    out << text;
    out.close();
    if (!out) {
        throw InputError{"cannot write output file", (m_dir / name).string()};
    }
}

std::vector<fs::path> OutputDir::files() const {
    std::vector<fs::path> out;
    for (const auto& n : m_names) {
        out.push_back(m_dir / n);
    }
    return out;
}

void OutputDir::protect(const std::vector<std::string>& inputs) {
    m_inputs.insert(m_inputs.end(), inputs.begin(), inputs.end());
}

void OutputDir::commit() {
    std::vector<fs::path> staged;
    for (const auto& entry : fs::directory_iterator(m_staging)) {
        staged.push_back(entry.path());
    }
    std::sort(staged.begin(), staged.end());
    // Check everything before moving anything: an input is never overwritten.
    for (const auto& s : staged) {
        const fs::path target = m_dir / s.filename();
        std::error_code ec;
        for (const auto& input : m_inputs) {
            if (fs::exists(target, ec) && fs::exists(input, ec) && fs::equivalent(target, input, ec)) {
                throw InputError{"refusing to overwrite an input file with an output; choose another --out",
                                 target.string()};
            }
        }
        if (fs::is_directory(target, ec)) {
            throw InputError{"cannot replace a directory with an output file", target.string()};
        }
    }
    for (const auto& s : staged) {
        const fs::path target = m_dir / s.filename();
        std::error_code ec;
        fs::rename(s, target, ec);
        if (ec) {
            throw InputError{"cannot move output into place: " + ec.message(), target.string()};
        }
    }
    m_committed = true;
}

// --- formats ---------------------------------------------------------------------

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
    f.driver = name;
    const char* ext = driver->GetMetadataItem(GDAL_DMD_EXTENSION);
    f.extension = ext != nullptr && *ext != '\0' ? ext : lower;
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
        const fs::path path = out.stage(file);
        GDALDatasetUniquePtr ds{driver().Create(path.string().c_str(), 0, 0, 0, GDT_Unknown, nullptr)};
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
