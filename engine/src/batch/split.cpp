// gridplan split: one district config per polygon, every input cut to it, and jobs.tsv.
#include "gridplan/batch/split.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/json_config.hpp"
#include "gridplan/crs/crs.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/io/osm_tags.hpp"
#include "gridplan/wrap/gdal.hpp"

#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogrsf_frmts.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <optional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <unistd.h>

namespace gridplan::batch {

namespace fs = std::filesystem;

namespace {

/// How a source's features are shared out among the districts.
enum class Share {
    one,    ///< points (households, centres, ...): the first district holding it
    near,   ///< lines and areas: every district within the margin
    whole,  ///< a table without geometry: every district
};

struct District {
    std::string id;
    std::string name;
    std::unique_ptr<OGRGeometry> geom;  ///< in the layer's CRS
    OGRSpatialReference srs;
};

using GeomPtr = std::unique_ptr<OGRGeometry>;

OGRSpatialReference traditional(const OGRSpatialReference* srs) {
    OGRSpatialReference s;
    if (srs != nullptr) {
        s = *srs;
    }
    s.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    return s;
}

/// `g` from `from` into `to` (a copy; unchanged when either CRS is missing or they match).
GeomPtr transformed(const OGRGeometry& g, const OGRSpatialReference& from, const OGRSpatialReference& to,
                    const std::string& what) {
    GeomPtr out{g.clone()};
    if (from.IsEmpty() || to.IsEmpty() || from.IsSame(&to)) {
        return out;
    }
    std::unique_ptr<OGRCoordinateTransformation> ct{OGRCreateCoordinateTransformation(&from, &to)};
    if (!ct || out->transform(ct.get()) != OGRERR_NONE) {
        throw InputError{"cannot transform the district polygons into the CRS of " + what};
    }
    return out;
}

/// A district's polygon grown by `margin_m` (measured in its UTM zone), in `to`.
GeomPtr grown(const District& d, double margin_m, const OGRSpatialReference& to, const std::string& what) {
    OGRSpatialReference wgs84;
    wgs84.SetWellKnownGeogCS("WGS84");
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    if (d.srs.IsEmpty()) {
        return GeomPtr{d.geom->Buffer(0.0)};
    }
    GeomPtr lonlat = transformed(*d.geom, d.srs, wgs84, what);
    OGREnvelope e;
    lonlat->getEnvelope(&e);
    OGRSpatialReference utm = traditional(nullptr);
    utm.importFromEPSG(static_cast<int>((e.MinY + e.MaxY) / 2.0 >= 0 ? 32600 : 32700) +
                       crs::utm_zone((e.MinX + e.MaxX) / 2.0));
    utm.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    GeomPtr metric = transformed(*lonlat, wgs84, utm, what);
    GeomPtr buffered{metric->Buffer(margin_m, 8)};
    return transformed(*buffered, utm, to, what);
}

/// A string member of `j`, or "".
std::string text_of(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get_ref<const std::string&>() : std::string{};
}

std::string clean_field(std::string s) {
    for (auto& c : s) {
        if (c == '\t' || c == '\n' || c == '\r') {
            c = ' ';
        }
    }
    return s;
}

bool safe_id(const std::string& id) {
    if (id.empty() || id == "." || id == ".." || id.size() > 100) {
        return false;
    }
    return std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
    });
}

/// The districts of `layer` (`label` names it in messages).
std::vector<District> districts_of(OGRLayer& layer, const SplitOptions& o, const std::string& label) {
    OGRFeatureDefn* defn = layer.GetLayerDefn();
    const int id_index = o.id_field.empty() ? -1 : defn->GetFieldIndex(o.id_field.c_str());
    if (!o.id_field.empty() && id_index < 0) {
        throw InputError{"--by: no field '" + o.id_field + "' in layer " + layer.GetName(), label};
    }
    const std::string name_field = o.name_field.empty() ? "name" : o.name_field;
    const int name_index = defn->GetFieldIndex(name_field.c_str());
    if (!o.name_field.empty() && name_index < 0) {
        throw InputError{"--by: no field '" + o.name_field + "' in layer " + layer.GetName(), label};
    }
    // An OSM area's id is its way or relation id, not the driver's feature number.
    const int osm_id_index = o.osm_path.empty() ? -1 : defn->GetFieldIndex("osm_id");
    const OGRSpatialReference srs = traditional(layer.GetSpatialRef());
    std::vector<District> out;
    std::set<std::string> seen;
    for (auto& f : layer) {
        const std::string where = label + ":" + layer.GetName() + ":fid=" + std::to_string(f->GetFID());
        District d;
        const int id_at = id_index >= 0 ? id_index : osm_id_index;
        d.id = id_at >= 0 ? (f->IsFieldSetAndNotNull(id_at) ? f->GetFieldAsString(id_at) : "")
                          : std::to_string(f->GetFID());
        if (!safe_id(d.id)) {
            throw InputError{"district id '" + d.id + "' is empty or not usable as a folder name (letters, digits, "
                             "_ - . only)",
                             where};
        }
        if (!seen.insert(d.id).second) {
            throw InputError{"district id '" + d.id + "' is given twice", where};
        }
        d.name = name_index >= 0 && f->IsFieldSetAndNotNull(name_index) ? f->GetFieldAsString(name_index) : d.id;
        const OGRGeometry* g = f->GetGeometryRef();
        if (g == nullptr || g->IsEmpty() ||
            (wkbFlatten(g->getGeometryType()) != wkbPolygon && wkbFlatten(g->getGeometryType()) != wkbMultiPolygon)) {
            throw InputError{"district " + d.id + ": not a polygon", where};
        }
        d.geom.reset(g->IsValid() ? g->clone() : g->MakeValid());
        d.srs = srs;
        out.push_back(std::move(d));
    }
    std::sort(out.begin(), out.end(), [](const District& a, const District& b) { return a.id < b.id; });
    return out;
}

std::vector<District> read_districts(const SplitOptions& o) {
    if (!o.osm_path.empty()) {
        auto ds = wrap::open_vector(o.osm_path, {"CONFIG_FILE=" + io::osm_driver_config_path()});
        if (std::string{ds->GetDriverName()} != "OSM") {
            throw InputError{"--osm: not an OpenStreetMap file (GDAL reads it with its " +
                                 std::string{ds->GetDriverName()} + " driver)",
                             o.osm_path};
        }
        // One layer by SQL: the driver then reads only the areas, in one pass.
        const std::string sql = "SELECT * FROM multipolygons WHERE boundary = 'administrative' AND admin_level = '" +
                                std::to_string(o.admin_level) + "'";
        const wrap::CplMessageCapture capture;
        OGRLayer* result = ds->ExecuteSQL(sql.c_str(), nullptr, nullptr);
        if (result == nullptr) {
            throw InputError{"cannot read the administrative boundaries: " + capture.last_error(), o.osm_path};
        }
        std::vector<District> out;
        try {
            out = districts_of(*result, o, o.osm_path);
        } catch (...) {
            ds->ReleaseResultSet(result);
            throw;
        }
        ds->ReleaseResultSet(result);
        if (out.empty()) {
            throw InputError{"no administrative boundary of admin_level " + std::to_string(o.admin_level) +
                                 " (boundary=administrative areas)",
                             o.osm_path};
        }
        return out;
    }
    auto ds = wrap::open_vector(o.by_path);
    OGRLayer& layer = wrap::find_layer(*ds, o.by_path, o.by_layer);
    std::vector<District> out = districts_of(layer, o, o.by_path);
    if (out.empty()) {
        throw InputError{"--by: the layer holds no district polygons", o.by_path};
    }
    return out;
}

/// Flushes and closes `ds`; InputError naming it when GDAL reports a failure.
void close_checked(GDALDatasetUniquePtr& ds) {
    wrap::CplMessageCapture capture;
    const std::string path = ds->GetDescription();
    ds->FlushCache();
    ds.reset();
    const std::string error = capture.last_error();
    if (!error.empty()) {
        throw InputError{"cannot write: " + error, path};
    }
}

/// Each district cut to the city's own boundary (the config's "boundary" source), so no
/// job plans land outside the city; InputError for a district that lies wholly outside.
void clip_to_city(std::vector<District>& districts, const nlohmann::json& entry, const fs::path& base,
                  RunContext& ctx) {
    const nlohmann::json source = entry.is_string() ? nlohmann::json{{"path", entry}} : entry;
    std::string path = text_of(source, "path");
    if (path.rfind("PG:", 0) != 0 && !fs::path{path}.is_absolute()) {
        path = (base / path).lexically_normal().string();
    }
    auto ds = wrap::open_vector(path);
    OGRLayer& layer = wrap::find_layer(*ds, path, text_of(source, "layer"));
    const OGRSpatialReference srs = traditional(layer.GetSpatialRef());
    OGRMultiPolygon parts;
    for (auto& f : layer) {
        if (const OGRGeometry* g = f->GetGeometryRef()) {
            GeomPtr poly{OGRGeometryFactory::forceToMultiPolygon(g->clone())};
            for (const auto* p : *poly->toMultiPolygon()) {
                parts.addGeometry(p);
            }
        }
    }
    GeomPtr city{parts.UnionCascaded()};
    if (!city || city->IsEmpty()) {
        throw InputError{"the city boundary holds no polygon", path};
    }
    for (auto& d : districts) {
        GeomPtr in_city = transformed(*city, srs, d.srs, path);
        GeomPtr cut{d.geom->Intersection(in_city.get())};
        if (!cut || cut->IsEmpty() || wkbFlatten(cut->getGeometryType()) == wkbPoint ||
            wkbFlatten(cut->getGeometryType()) == wkbLineString) {
            throw InputError{"district " + d.id + " lies outside the city boundary " + wrap::mask_password(path),
                             "--by"};
        }
        if (wkbFlatten(cut->getGeometryType()) == wkbGeometryCollection) {
            OGRMultiPolygon only;
            for (const auto* g : *cut->toGeometryCollection()) {
                const auto t = wkbFlatten(g->getGeometryType());
                if (t == wkbPolygon) {
                    only.addGeometry(g);
                } else if (t == wkbMultiPolygon) {
                    for (const auto* p : *g->toMultiPolygon()) {
                        only.addGeometry(p);
                    }
                }
            }
            cut.reset(only.clone());
        }
        d.geom = std::move(cut);
    }
    ctx.log.debug("split: districts cut to the city boundary " + wrap::mask_password(path));
}

/// The jobs' GeoPackages, written as sources are shared out.
class JobFiles {
public:
    JobFiles(const std::vector<District>& districts, const fs::path& root) : m_root(root) {
        GDALDriver* gpkg = GetGDALDriverManager()->GetDriverByName("GPKG");
        if (gpkg == nullptr) {
            throw InternalError{"split: GDAL has no GPKG driver"};
        }
        for (const auto& d : districts) {
            fs::create_directories(root / d.id);
            const std::string path = (root / d.id / "inputs.gpkg").string();
            GDALDataset* ds = gpkg->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr);
            if (ds == nullptr) {
                throw InputError{"cannot create " + path};
            }
            m_ds.emplace_back(ds);
        }
    }

    /// Starts layer `name` in every job, like `source` (CRS, geometry type, fields).
    void begin(const std::string& name, OGRLayer& source) {
        m_layers.clear();
        OGRFeatureDefn* defn = source.GetLayerDefn();
        for (auto& ds : m_ds) {
            OGRSpatialReference* srs = source.GetSpatialRef() ? source.GetSpatialRef()->Clone() : nullptr;
            char** options = CSLSetNameValue(nullptr, "SPATIAL_INDEX", "NO");
            OGRLayer* l = ds->CreateLayer(name.c_str(), srs, defn->GetGeomType(), options);
            CSLDestroy(options);
            if (srs != nullptr) {
                srs->Release();
            }
            if (l == nullptr) {
                throw InputError{"cannot create layer " + name + " in " + std::string{ds->GetDescription()}};
            }
            for (int i = 0; i < defn->GetFieldCount(); ++i) {
                l->CreateField(defn->GetFieldDefn(i));
            }
            if (l->StartTransaction() != OGRERR_NONE) {
                throw InputError{"cannot start writing layer " + name + " in " + std::string{ds->GetDescription()}};
            }
            m_layers.push_back(l);
        }
    }

    void add(std::size_t job, const OGRFeature& f) {
        OGRLayer* l = m_layers[job];
        OGRFeature copy{l->GetLayerDefn()};
        copy.SetFrom(&f, TRUE);
        copy.SetFID(OGRNullFID);
        if (l->CreateFeature(&copy) != OGRERR_NONE) {
            throw InputError{"cannot write a feature to " + std::string{m_ds[job]->GetDescription()}};
        }
    }

    void end() {
        for (std::size_t j = 0; j < m_layers.size(); ++j) {
            if (m_layers[j]->CommitTransaction() != OGRERR_NONE) {
                throw InputError{"cannot write layer " + std::string{m_layers[j]->GetName()} + " in " +
                                 std::string{m_ds[j]->GetDescription()}};
            }
        }
        m_layers.clear();
    }

    /// Closes every file, checking the writes.
    void close() {
        for (auto& ds : m_ds) {
            close_checked(ds);
        }
    }

private:
    fs::path m_root;
    std::vector<GDALDatasetUniquePtr> m_ds;
    std::vector<OGRLayer*> m_layers;
};

/// The per-source work: shares its features out and gives each job's config entry.
class Splitter {
public:
    Splitter(const std::vector<District>& districts, JobFiles& files, const SplitOptions& options,
             fs::path base_dir, SplitResult& result)
        : m_districts(districts), m_files(files), m_options(options), m_base(std::move(base_dir)), m_result(result) {}

    /// Rewrites one source entry (a path string or an object with "path") of the city
    /// config into the jobs' entry, copying its features; `count_field` counts households.
    nlohmann::json source(const nlohmann::json& entry, Share share, const std::string& key,
                          const std::string& count_field = {}) {
        nlohmann::json out = entry.is_string() ? nlohmann::json{{"path", entry}} : entry;
        std::string path = text_of(out, "path");
        if (path.rfind("PG:", 0) != 0 && !fs::path{path}.is_absolute()) {
            path = (m_base / path).lexically_normal().string();
        }
        if (io::is_osm_path(path)) {
            // An extract is read whole by each job (its boundary keeps what it holds).
            out["path"] = fs::absolute(path).lexically_normal().string();
            return out;
        }
        std::vector<std::string> open_options;
        for (const auto& o : out.value("open_options", nlohmann::json::array())) {
            open_options.push_back(o.get<std::string>());
        }
        auto ds = wrap::open_vector(path, open_options);
        OGRLayer* sql_layer = nullptr;
        if (const std::string sql = text_of(out, "sql"); !sql.empty()) {
            sql_layer = ds->ExecuteSQL(sql.c_str(), nullptr, nullptr);
            if (sql_layer == nullptr) {
                throw ConfigError{key + ".sql", "the query fails in " + wrap::mask_password(path)};
            }
        }
        const std::unique_ptr<OGRLayer, std::function<void(OGRLayer*)>> sql_result{
            sql_layer, [&ds](OGRLayer* l) { ds->ReleaseResultSet(l); }};
        OGRLayer& layer = sql_layer != nullptr ? *sql_layer : wrap::find_layer(*ds, path, text_of(out, "layer"));
        if (share == Share::near && path.rfind("PG:", 0) == 0) {
            if (std::optional<nlohmann::json> filtered = filter_in_database(out, layer)) {
                return *filtered;
            }
        }
        const std::string where = text_of(out, "where");
        if (!where.empty() && layer.SetAttributeFilter(where.c_str()) != OGRERR_NONE) {
            throw ConfigError{key + ".where", "not a valid filter for " + path + ": " + where};
        }
        const std::string name = "src" + std::to_string(m_next++);
        m_files.begin(name, layer);
        const OGRSpatialReference srs = traditional(layer.GetSpatialRef());
        const bool spatial = layer.GetLayerDefn()->GetGeomFieldCount() > 0 && share != Share::whole;
        std::vector<GeomPtr> area;
        std::vector<std::unique_ptr<OGRPreparedGeometry, decltype(&OGRDestroyPreparedGeometry)>> prepared;
        std::vector<OGREnvelope> box;
        if (spatial) {
            for (const auto& d : m_districts) {
                area.push_back(share == Share::one ? transformed(*d.geom, d.srs, srs, path)
                                                   : grown(d, m_options.margin_m, srs, path));
                OGREnvelope e;
                area.back()->getEnvelope(&e);
                box.push_back(e);
                prepared.emplace_back(OGRCreatePreparedGeometry(area.back().get()), &OGRDestroyPreparedGeometry);
            }
        }
        const int count_index = count_field.empty() ? -1 : layer.GetLayerDefn()->GetFieldIndex(count_field.c_str());
        for (auto& f : layer) {
            const OGRGeometry* g = f->GetGeometryRef();
            if (!spatial) {
                for (std::size_t j = 0; j < m_districts.size(); ++j) {
                    m_files.add(j, *f);
                }
                continue;
            }
            if (g == nullptr || g->IsEmpty()) {
                m_files.add(0, *f);  // once: the reader rejects (and counts) it in the first job
                continue;
            }
            if (share == Share::one) {
                // A point, or a building by a point inside it.
                OGRPoint p;
                if (wkbFlatten(g->getGeometryType()) == wkbPoint) {
                    p = *g->toPoint();
                } else if (OGRGeometryH inside = OGR_G_PointOnSurface(OGRGeometry::ToHandle(const_cast<OGRGeometry*>(g)))) {
                    p = *OGRGeometry::FromHandle(inside)->toPoint();
                    OGR_G_DestroyGeometry(inside);
                } else {
                    g->Centroid(&p);
                }
                const std::int64_t n = count_index >= 0 ? f->GetFieldAsInteger64(count_index) : 1;
                if (key == "households") {
                    m_result.households += n;
                }
                bool placed = false;
                for (std::size_t j = 0; j < m_districts.size() && !placed; ++j) {
                    if (p.getX() < box[j].MinX || p.getX() > box[j].MaxX || p.getY() < box[j].MinY ||
                        p.getY() > box[j].MaxY ||
                        !OGRPreparedGeometryIntersects(prepared[j].get(), OGRGeometry::ToHandle(&p))) {
                        continue;
                    }
                    m_files.add(j, *f);
                    if (key == "households") {
                        m_households[j] += n;
                    }
                    placed = true;
                }
                if (!placed && key == "households") {
                    m_result.households_outside += n;
                    ++m_result.points_outside;
                }
                continue;
            }
            OGREnvelope e;
            g->getEnvelope(&e);
            for (std::size_t j = 0; j < m_districts.size(); ++j) {
                if (e.MaxX < box[j].MinX || e.MinX > box[j].MaxX || e.MaxY < box[j].MinY || e.MinY > box[j].MaxY) {
                    continue;
                }
                if (OGRPreparedGeometryIntersects(prepared[j].get(), OGRGeometry::ToHandle(const_cast<OGRGeometry*>(g)))) {
                    m_files.add(j, *f);
                }
            }
        }
        m_files.end();
        out["path"] = "inputs.gpkg";
        out["layer"] = name;
        out.erase("where");
        out.erase("sql");
        out.erase("open_options");
        return out;
    }

    /// District `j`'s config: the database queries of the city's config filtered to its
    /// area.
    nlohmann::json for_district(nlohmann::json config, std::size_t j) const {
        for (auto& [key, value] : config.items()) {
            if (value.is_array()) {
                for (auto& entry : value) {
                    fill_area(entry, j);
                }
            } else {
                fill_area(value, j);
            }
        }
        return config;
    }

    const std::map<std::size_t, std::int64_t>& households() const { return m_households; }

private:
    /// A PostGIS source of lines or areas stays in the database: each job's entry is a
    /// query for what lies within the margin of its district, run when the job reads it
    /// (nothing is copied). Nothing when the layer has no geometry column or no EPSG CRS
    /// (it is then copied).
    std::optional<nlohmann::json> filter_in_database(const nlohmann::json& entry, OGRLayer& layer) {
        const char* column = layer.GetGeometryColumn();
        const OGRSpatialReference* srs = layer.GetSpatialRef();
        const char* authority = srs != nullptr ? srs->GetAuthorityName(nullptr) : nullptr;
        const char* code = srs != nullptr ? srs->GetAuthorityCode(nullptr) : nullptr;
        if (column == nullptr || *column == '\0' || authority == nullptr || std::string{authority} != "EPSG" ||
            code == nullptr) {
            return std::nullopt;
        }
        auto identifier = [](const std::string& name) {
            std::string out;
            std::string part;
            std::istringstream parts{name};
            while (std::getline(parts, part, '.')) {
                std::string q = "\"";
                for (const char c : part) {
                    q += c == '"' ? std::string{"\"\""} : std::string(1, c);
                }
                out += (out.empty() ? "" : ".") + q + "\"";
            }
            return out;
        };
        const std::string sql = text_of(entry, "sql");
        const std::string from = sql.empty() ? identifier(layer.GetName()) : "(" + sql + ") AS gridplan_source";
        const std::string where = text_of(entry, "where");
        const OGRSpatialReference layer_srs = traditional(srs);
        std::vector<std::string> areas;
        for (const auto& d : m_districts) {
            char* wkt = nullptr;
            grown(d, m_options.margin_m, layer_srs, text_of(entry, "path"))->exportToWkt(&wkt);
            areas.emplace_back(wkt);
            CPLFree(wkt);
        }
        const std::string placeholder = "@@gridplan-area-" + std::to_string(m_areas.size()) + "@@";
        m_areas.push_back(std::move(areas));
        nlohmann::json out = entry;
        out["sql"] = "SELECT * FROM " + from + " WHERE " + (where.empty() ? "" : "(" + where + ") AND ") +
                     "ST_Intersects(" + identifier(column) + ", ST_GeomFromText('" + placeholder + "', " + code + "))";
        out.erase("layer");
        out.erase("where");
        return out;
    }

    void fill_area(nlohmann::json& entry, std::size_t j) const {
        if (!entry.is_object() || !entry.contains("sql") || !entry["sql"].is_string()) {
            return;
        }
        std::string sql = entry["sql"].get<std::string>();
        const auto at = sql.find("@@gridplan-area-");
        if (at == std::string::npos) {
            return;
        }
        const auto end = sql.find("@@", at + 2);
        const std::size_t k = std::stoul(sql.substr(at + 16, end - at - 16));
        sql.replace(at, end + 2 - at, m_areas.at(k).at(j));
        entry["sql"] = sql;
    }

    std::vector<std::vector<std::string>> m_areas;  ///< per filtered source: each district's area (WKT)
    const std::vector<District>& m_districts;
    JobFiles& m_files;
    const SplitOptions& m_options;
    fs::path m_base;
    SplitResult& m_result;
    int m_next = 0;
    std::map<std::size_t, std::int64_t> m_households;
};

/// Removes a staging folder unless released.
class StagingGuard {
public:
    explicit StagingGuard(fs::path p) : m_path(std::move(p)) {}
    ~StagingGuard() {
        if (!m_path.empty()) {
            std::error_code ec;
            fs::remove_all(m_path, ec);
        }
    }
    StagingGuard(const StagingGuard&) = delete;
    StagingGuard& operator=(const StagingGuard&) = delete;
    StagingGuard(StagingGuard&&) = delete;
    StagingGuard& operator=(StagingGuard&&) = delete;
    void release() { m_path.clear(); }

private:
    fs::path m_path;
};

} // namespace

SplitResult split_city(const std::string& city_config, const SplitOptions& options, const fs::path& jobs_dir,
                       RunContext& ctx) {
    wrap::gdal_init();
    std::error_code ec;
    if (fs::exists(jobs_dir, ec) && !fs::is_empty(jobs_dir, ec)) {
        throw InputError{"the jobs folder exists and is not empty; choose another --out or remove it",
                         jobs_dir.string()};
    }
    const nlohmann::json city =
        city_config.empty()
            ? nlohmann::json{{"barriers", {{{"path", options.osm_path}, {"class", "osm"}}}}}
            : parse_json_with_comments(read_config_text(city_config, "config file"), city_config);
    if (!city.is_object()) {
        throw ConfigError{"", "expected a JSON object"};
    }
    if (city.contains("households") && city.at("households").is_object() &&
        (city.at("households").contains("totals") || city.at("households").contains("population_raster"))) {
        throw ConfigError{"households", "split needs household points or buildings: households estimated from "
                                        "totals or a population raster span districts (plan the city once to write "
                                        "households_estimated, and split with that as the households)"};
    }
    std::vector<District> districts = read_districts(options);
    const fs::path base = fs::path{city_config}.parent_path();
    if (city.contains("boundary")) {
        clip_to_city(districts, city.at("boundary"), base, ctx);
    }
    const fs::path parent = jobs_dir.parent_path().empty() ? fs::path{"."} : jobs_dir.parent_path();
    fs::create_directories(parent);
    const fs::path staging = parent / ("." + jobs_dir.filename().string() + ".gridplan-split-" + std::to_string(::getpid()));
    fs::remove_all(staging, ec);
    StagingGuard guard{staging};
    fs::create_directories(staging);

    SplitResult result;
    JobFiles files{districts, staging};
    Splitter split{districts, files, options, base, result};
    nlohmann::json job = city;
    job.erase("boundary");
    auto each = [&](const char* key, Share share) {
        if (!city.contains(key)) {
            return;
        }
        if (city.at(key).is_array()) {
            nlohmann::json list = nlohmann::json::array();
            for (std::size_t i = 0; i < city.at(key).size(); ++i) {
                list.push_back(split.source(city.at(key)[i], share, std::string{key} + "[" + std::to_string(i) + "]"));
            }
            job[key] = list;
        } else {
            job[key] = split.source(city.at(key), share, key);
        }
    };
    ctx.report_progress("split", 0.0);
    each("barriers", Share::near);
    each("water", Share::near);
    each("land", Share::near);
    each("sea", Share::near);
    if (city.contains("households")) {
        const auto& h = city.at("households");
        const std::string count_field = h.is_object() ? text_of(h, "count_field") : "";
        nlohmann::json entry = split.source(h, Share::one, "households", count_field);
        if (h.is_object() && h.contains("register")) {
            entry["register"] = split.source(h["register"], Share::whole, "households.register");
        }
        job["households"] = entry;
    }
    each("centres", Share::one);
    each("facilities", Share::one);
    each("units", Share::one);
    each("unit_areas", Share::near);
    each("nest_within", Share::near);
    ctx.report_progress("split", 0.8);

    // Each job's boundary, config and row.
    std::ostringstream tsv;
    tsv << "id\tname\thouseholds\tconfig\tout\n";
    files.close();
    for (std::size_t j = 0; j < districts.size(); ++j) {
        const District& d = districts[j];
        {
            auto ds = GDALDatasetUniquePtr(GDALDataset::FromHandle(
                GDALOpenEx((staging / d.id / "inputs.gpkg").c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, nullptr, nullptr,
                           nullptr)));
            if (!ds) {
                throw InputError{"cannot reopen " + (staging / d.id / "inputs.gpkg").string()};
            }
            OGRSpatialReference* srs = d.srs.IsEmpty() ? nullptr : d.srs.Clone();
            OGRLayer* l = ds->CreateLayer("boundary", srs, wkbMultiPolygon, nullptr);
            if (srs != nullptr) {
                srs->Release();
            }
            if (l == nullptr) {
                throw InputError{"cannot write the boundary of district " + d.id};
            }
            OGRFieldDefn id_field{"district_id", OFTString};
            OGRFieldDefn name_field{"name", OFTString};
            l->CreateField(&id_field);
            l->CreateField(&name_field);
            OGRFeature f{l->GetLayerDefn()};
            f.SetField("district_id", d.id.c_str());
            f.SetField("name", d.name.c_str());
            f.SetGeometry(OGRGeometryFactory::forceToMultiPolygon(d.geom->clone()));
            if (l->CreateFeature(&f) != OGRERR_NONE) {
                throw InputError{"cannot write the boundary of district " + d.id};
            }
            close_checked(ds);
        }
        nlohmann::json config = split.for_district(job, j);
        config["boundary"] = {{"path", "inputs.gpkg"}, {"layer", "boundary"}};
        config["name"] = d.name;
        config["description"] = "District " + d.id + " of " + (city_config.empty() ? options.osm_path : city_config) +
                                ", written by gridplan split";
        if (!config.contains("plan") || !config["plan"].is_object()) {
            config["plan"] = nlohmann::json::object();
        }
        config["plan"]["code_prefix"] = d.id;
        {
            std::ofstream out{staging / d.id / "district.json"};
            out << config.dump(2) << "\n";
            if (!out) {
                throw InputError{"cannot write " + (staging / d.id / "district.json").string()};
            }
        }
        Job row;
        row.id = d.id;
        row.name = d.name;
        const auto it = split.households().find(j);
        row.households = it == split.households().end() ? 0 : it->second;
        row.config = d.id + "/district.json";
        row.out = d.id + "/out";
        tsv << row.id << '\t' << clean_field(row.name) << '\t' << row.households << '\t' << row.config << '\t'
            << row.out << '\n';
        result.jobs.push_back(row);
    }
    {
        std::ofstream out{staging / "jobs.tsv"};
        out << tsv.str();
        if (!out) {
            throw InputError{"cannot write " + (staging / "jobs.tsv").string()};
        }
    }
    if (fs::exists(jobs_dir, ec)) {
        fs::remove(jobs_dir);  // empty: checked above
    }
    fs::rename(staging, jobs_dir);
    guard.release();
    ctx.report_progress("split", 1.0);
    return result;
}

std::vector<Job> read_jobs(const fs::path& jobs_tsv) {
    std::ifstream in{jobs_tsv};
    if (!in) {
        throw InputError{"cannot read the jobs manifest", jobs_tsv.string()};
    }
    std::string line;
    std::getline(in, line);
    std::vector<std::string> header;
    {
        std::istringstream h{line};
        for (std::string c; std::getline(h, c, '\t');) {
            header.push_back(c);
        }
    }
    auto column = [&](const std::string& name) -> std::size_t {
        const auto it = std::find(header.begin(), header.end(), name);
        if (it == header.end()) {
            throw InputError{"line 1: no column '" + name + "' (a jobs.tsv of gridplan split has id, name, "
                             "households, config, out)",
                             jobs_tsv.string()};
        }
        return static_cast<std::size_t>(it - header.begin());
    };
    const std::size_t ci = column("id");
    const std::size_t cn = column("name");
    const std::size_t ch = column("households");
    const std::size_t cc = column("config");
    const std::size_t co = column("out");
    std::vector<Job> jobs;
    for (int number = 2; std::getline(in, line); ++number) {
        if (line.empty()) {
            continue;
        }
        std::vector<std::string> cells;
        std::istringstream l{line};
        for (std::string c; std::getline(l, c, '\t');) {
            cells.push_back(c);
        }
        if (cells.size() < header.size()) {
            throw InputError{"line " + std::to_string(number) + ": " + std::to_string(cells.size()) + " columns, " +
                                 std::to_string(header.size()) + " expected",
                             jobs_tsv.string()};
        }
        Job j;
        j.id = cells[ci];
        j.name = cells[cn];
        try {
            j.households = std::stoll(cells[ch]);
        } catch (const std::exception&) {
            throw InputError{"line " + std::to_string(number) + ": households is not a number", jobs_tsv.string()};
        }
        j.config = cells[cc];
        j.out = cells[co];
        jobs.push_back(std::move(j));
    }
    return jobs;
}

} // namespace gridplan::batch
