#include "io/detail/ogr_read.hpp"

#include "io/detail/coordinate_checks.hpp"
#include "io/detail/population_raster.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/wrap/gdal.hpp"

#include <ogr_geometry.h>

#include <algorithm>
#include <set>
#include <cmath>
#include <filesystem>
#include <map>
#include <unordered_map>

namespace gridplan::io::detail {

std::string file_label(const std::string& path) { return wrap::mask_password(path); }

OpenSource::~OpenSource() {
    if (query && ds && layer != nullptr) {
        ds->ReleaseResultSet(layer);
    }
}

OpenSource::OpenSource(OpenSource&& other) noexcept
    : ds(std::move(other.ds)), layer(other.layer), query(other.query), name(std::move(other.name)),
      crs(std::move(other.crs)) {
    other.layer = nullptr;
    other.query = false;
}

OpenSource open_source(const SourceSpec& src, RunContext& ctx) {
    OpenSource o;
    o.ds = wrap::open_vector(src.path, src.open_options);
    if (!src.sql.empty()) {
        wrap::CplMessageCapture capture;
        o.layer = o.ds->ExecuteSQL(src.sql.c_str(), nullptr, nullptr);
        if (o.layer == nullptr) {
            throw ConfigError{src.config_key + ".sql", "the query failed on " + file_label(src.path) + ": " +
                                                           (capture.last_error().empty() ? "no result layer"
                                                                                         : capture.last_error())};
        }
        o.query = true;
        o.name = file_label(src.path) + ":sql";
    } else {
        o.layer = &wrap::find_layer(*o.ds, src.path, src.layer);
        o.name = file_label(src.path) + ":" + o.layer->GetName();
    }
    if (!src.where.empty()) {
        wrap::CplMessageCapture capture;
        // Some drivers (GPKG) only complain when reading: probe one feature.
        bool ok = o.layer->SetAttributeFilter(src.where.c_str()) == OGRERR_NONE;
        if (ok) {
            o.layer->ResetReading();
            OGRFeatureUniquePtr probe{o.layer->GetNextFeature()};
            ok = capture.last_error().empty();
        }
        if (!ok) {
            throw ConfigError{src.config_key + ".where",
                              "invalid attribute filter '" + src.where + "' on " + o.name + ": " +
                                  capture.last_error()};
        }
    }
    const OGRSpatialReference* srs = o.layer->GetSpatialRef();
    if (srs == nullptr) {
        if (o.layer->GetGeomType() != wkbNone) {  // attribute tables (a register) need none
            ctx.log.warning(o.name + ": no CRS given; taking coordinates as WGS84 longitude/latitude");
        }
        o.crs = crs::Crs::wgs84();
    } else {
        o.crs = crs::Crs::from_srs(*srs);
    }
    return o;
}

wrap::GeomPtr to_geos(const OGRGeometry& g, const wrap::GeosContext& geos) {
    std::unique_ptr<OGRGeometry> copy;
    if (g.hasCurveGeometry()) {
        copy.reset(g.getLinearGeometry());
    } else {
        copy.reset(g.clone());
    }
    if (!copy) {
        return geos.own_nullable(nullptr);
    }
    copy->flattenTo2D();
    wrap::CplMessageCapture quiet;
    return geos.own_nullable(copy->exportToGEOS(geos.handle()));
}

namespace {

std::string type_name(OGRwkbGeometryType t) { return OGRGeometryTypeToName(wkbFlatten(t)); }

bool is_polygonal(OGRwkbGeometryType t) {
    const auto f = wkbFlatten(t);
    return f == wkbPolygon || f == wkbMultiPolygon || f == wkbCurvePolygon || f == wkbMultiSurface ||
           f == wkbTriangle || f == wkbPolyhedralSurface || f == wkbTIN;
}

bool is_lineal(OGRwkbGeometryType t) {
    const auto f = wkbFlatten(t);
    return f == wkbLineString || f == wkbMultiLineString || f == wkbCircularString || f == wkbCompoundCurve ||
           f == wkbMultiCurve;
}

/// Keeps a list of fids per kind of trouble, for one warning per source.
class FidTally {
public:
    void add(std::int64_t fid) {
        ++m_count;
        if (m_fids.size() < 5) {
            m_fids.push_back(std::to_string(fid));
        }
    }
    void warn(RunContext& ctx, const std::string& source, const std::string& what) const {
        if (m_count > 0) {
            ctx.log.warning(source + ": " + std::to_string(m_count) + " " + what + " (fid " +
                            join_limited(m_fids, 5) + (m_count > m_fids.size() ? ", ..." : "") + ")");
        }
    }

    bool empty() const noexcept { return m_count == 0; }

private:
    std::size_t m_count = 0;
    std::vector<std::string> m_fids;
};

std::uint32_t add_source(Raw& raw, const std::string& name, const crs::Crs& c, const std::string& path) {
    raw.source_names.push_back(name);
    raw.source_crs.push_back(c);
    if (std::find(raw.input_files.begin(), raw.input_files.end(), path) == raw.input_files.end()) {
        raw.input_files.push_back(path);
    }
    return static_cast<std::uint32_t>(raw.source_names.size() - 1);
}

/// A valid polygonal geometry from a polygon feature, repairing if needed.
wrap::GeomPtr valid_polygons(wrap::GeomPtr g, const wrap::GeosContext& geos, bool& repaired) {
    repaired = false;
    if (geos.is_valid(g.get())) {
        return g;
    }
    repaired = true;
    int dropped = 0;
    return geos.make_valid_polygonal(g.get(), dropped);
}

/// A polygon feature's geometry in its source's CRS, valid (repaired with MakeValid if need
/// be, `repaired` says so): an InputError naming `what` when it is not polygonal, or out of
/// lon/lat range; null when OGR's geometry cannot be converted.
wrap::GeomPtr read_polygonal(const OGRGeometry& g, const char* what, const OpenSource& o, const std::string& path,
                             GIntBig fid, const wrap::GeosContext& geos, bool& repaired) {
    repaired = false;
    if (!is_polygonal(g.getGeometryType())) {
        throw InputError{std::string{"wrong geometry type for "} + what + ": expected Polygon or MultiPolygon, got " +
                             type_name(g.getGeometryType()),
                         file_label(path), o.layer->GetName(), fid};
    }
    check_lonlat_range(g, o.crs, path, o.layer->GetName(), fid);
    wrap::GeomPtr gg = to_geos(g, geos);
    if (!gg) {
        return gg;
    }
    return valid_polygons(std::move(gg), geos, repaired);
}

void read_boundary_source(const SourceSpec& src, Raw& raw, const wrap::GeosContext& geos, RunContext& ctx) {
    OpenSource o = open_source(src, ctx);
    const std::uint32_t source = add_source(raw, o.name, o.crs, src.path);
    std::vector<wrap::GeomPtr> parts;
    FidTally repaired_fids;
    for_each_feature(o, src.path, [&](OGRFeature& f) {
        const OGRGeometry* g = f.GetGeometryRef();
        if (g == nullptr || g->IsEmpty()) {
            return;
        }
        bool repaired = false;
        wrap::GeomPtr gg = read_polygonal(*g, "a district boundary", o, src.path, f.GetFID(), geos, repaired);
        if (!gg) {
            throw InputError{"unreadable boundary geometry", file_label(src.path), o.layer->GetName(), f.GetFID()};
        }
        if (repaired) {
            repaired_fids.add(f.GetFID());
            raw.problems.push_back(RawProblem{"invalid_repaired", "invalid boundary polygon repaired with MakeValid",
                                              source, SourceFid{f.GetFID()}, geos.clone(gg.get())});
        }
        if (!geos.is_empty(gg.get())) {
            parts.push_back(std::move(gg));
        }
    });
    repaired_fids.warn(ctx, o.name, "invalid boundary geometries repaired");
    if (parts.empty()) {
        throw InputError{"empty district boundary: no polygon with an area", file_label(src.path),
                         o.layer->GetName()};
    }
    wrap::GeomPtr all = geos.collection(GEOS_GEOMETRYCOLLECTION, parts);
    raw.boundary = geos.own(GEOSUnaryUnion_r(geos.handle(), all.get()), "union of boundary polygons");
    if (geos.area(raw.boundary.get()) <= 0.0) {
        throw InputError{"empty district boundary: zero area", file_label(src.path), o.layer->GetName()};
    }
    raw.boundary_crs = o.crs;
    raw.boundary_source = source;
    raw.boundary_description = o.name;
}

} // namespace

int field_index(OGRFeatureDefn& defn, const std::string& field, const SourceSpec& src, const std::string& layer,
                const std::string& key) {
    const int i = defn.GetFieldIndex(field.c_str());
    if (i < 0) {
        std::vector<std::string> names;
        for (int k = 0; k < defn.GetFieldCount(); ++k) {
            names.emplace_back(defn.GetFieldDefn(k)->GetNameRef());
        }
        const std::string near = nearest_word(field, names);
        // Keys of a command-line source ("--households.count_field") are the flag's.
        const std::string set_by = key == "--households.count_field"          ? "option '--count-field'"
                                   : key == "--household-totals.count_field" ? "option '--totals-field'"
                                   : key.rfind("--", 0) == 0         ? "option '" + key.substr(0, key.find('.')) + "'"
                                                                     : "config key '" + key + "'";
        throw InputError{"no such field (set by " + set_by +
                             (near.empty() ? "; fields: " + join_limited(names, 20) : "; did you mean '" + near + "'?") +
                             ")",
                         file_label(src.path), layer, std::nullopt, field};
    }
    return i;
}

namespace {

void read_barrier_source(const BarrierSpec& spec, Raw& raw, const wrap::GeosContext& geos, RunContext& ctx) {
    OpenSource o = open_source(spec.source, ctx);
    const std::uint32_t source = add_source(raw, o.name, o.crs, spec.source.path);
    OGRFeatureDefn& defn = *o.layer->GetLayerDefn();
    const std::string layer = o.layer->GetName();
    const int class_index = spec.rule == BarrierSpec::Rule::field
                                ? field_index(defn, spec.class_field, spec.source, layer,
                                              spec.source.config_key + ".class_field")
                                : -1;
    int name_index = -1;
    if (!spec.name_field.empty()) {
        name_index = field_index(defn, spec.name_field, spec.source, layer, spec.source.config_key + ".name_field");
    } else {
        name_index = defn.GetFieldIndex("name");
    }
    const int bridge_index = defn.GetFieldIndex("bridge");
    const int tunnel_index = defn.GetFieldIndex("tunnel");
    const int layer_index = defn.GetFieldIndex("layer");
    const int foot_index = defn.GetFieldIndex("foot");
    const int access_index = defn.GetFieldIndex("access");
    std::map<std::string, std::size_t> unmapped;
    FidTally bad_fids;
    for_each_feature(o, spec.source.path, [&](OGRFeature& f) {
        const OGRGeometry* g = f.GetGeometryRef();
        if (g == nullptr || g->IsEmpty()) {
            bad_fids.add(f.GetFID());
            return;
        }
        if (!is_lineal(g->getGeometryType())) {
            throw InputError{"wrong geometry type for barrier lines: expected LineString or MultiLineString, got " +
                                 type_name(g->getGeometryType()),
                             file_label(spec.source.path), layer, f.GetFID()};
        }
        check_lonlat_range(*g, o.crs, spec.source.path, layer, f.GetFID());
        BarrierClass cls = spec.fixed_class;
        if (spec.rule == BarrierSpec::Rule::field) {
            const std::string value = f.IsFieldSetAndNotNull(class_index) ? f.GetFieldAsString(class_index) : "";
            const auto it = spec.class_map.find(value);
            if (it != spec.class_map.end()) {
                cls = it->second;
            } else if (const auto direct = parse_barrier_class(value); direct && spec.class_map.empty()) {
                cls = *direct;
            } else if (spec.default_class) {
                cls = *spec.default_class;
            } else {
                ++unmapped[value.empty() ? "(empty)" : value];
                return;
            }
        }
        wrap::GeomPtr gg = to_geos(*g, geos);
        if (!gg || geos.is_empty(gg.get()) || geos.length(gg.get()) <= 0.0) {
            bad_fids.add(f.GetFID());
            raw.problems.push_back(RawProblem{"invalid_skipped", "barrier line without length or unreadable; skipped",
                                              source, SourceFid{f.GetFID()}, {}});
            return;
        }
        BarrierLine line;
        line.geom = std::move(gg);
        line.cls = cls;
        if (name_index >= 0 && f.IsFieldSetAndNotNull(name_index)) {
            line.name = f.GetFieldAsString(name_index);
        }
        auto yes = [&f](int i) {
            if (i < 0 || !f.IsFieldSetAndNotNull(i)) {
                return false;
            }
            const std::string v = f.GetFieldAsString(i);
            return !v.empty() && v != "no" && v != "0" && v != "false";
        };
        line.bridge = yes(bridge_index);
        line.tunnel = yes(tunnel_index);
        line.barrier = !line.tunnel;
        auto is_no = [&f](int i) {
            if (i < 0 || !f.IsFieldSetAndNotNull(i)) {
                return false;
            }
            const std::string v = f.GetFieldAsString(i);
            return v == "no" || v == "private";
        };
        line.walkable = spec.walkable && cls != BarrierClass::river && !is_no(foot_index) && !is_no(access_index);
        line.layer = layer_index >= 0 && f.IsFieldSetAndNotNull(layer_index) ? f.GetFieldAsInteger(layer_index) : 0;
        line.source = source;
        line.fid = SourceFid{f.GetFID()};
        raw.barriers.push_back(std::move(line));
    });
    bad_fids.warn(ctx, o.name, "barrier features without a usable line skipped");
    if (!unmapped.empty()) {
        std::vector<std::string> items;
        std::size_t total = 0;
        for (const auto& [value, n] : unmapped) {
            items.push_back("'" + value + "' x" + std::to_string(n));
            total += n;
        }
        ctx.log.warning(o.name + ": " + std::to_string(total) + " features skipped: " + spec.class_field +
                        " values not in " + spec.source.config_key + ".class_map: " + join_limited(items, 10));
    }
}

void read_water_source(const SourceSpec& src, Raw& raw, const wrap::GeosContext& geos, RunContext& ctx) {
    OpenSource o = open_source(src, ctx);
    const std::uint32_t source = add_source(raw, o.name, o.crs, src.path);
    const int name_index = o.layer->GetLayerDefn()->GetFieldIndex("name");
    FidTally repaired_fids;
    for_each_feature(o, src.path, [&](OGRFeature& f) {
        const OGRGeometry* g = f.GetGeometryRef();
        if (g == nullptr || g->IsEmpty()) {
            return;
        }
        bool repaired = false;
        wrap::GeomPtr gg = read_polygonal(*g, "water areas", o, src.path, f.GetFID(), geos, repaired);
        if (!gg) {
            throw InputError{"unreadable water geometry", file_label(src.path), o.layer->GetName(), f.GetFID()};
        }
        if (repaired) {
            repaired_fids.add(f.GetFID());
            raw.problems.push_back(RawProblem{"invalid_repaired", "invalid water polygon repaired with MakeValid",
                                              source, SourceFid{f.GetFID()}, geos.clone(gg.get())});
        }
        if (geos.is_empty(gg.get())) {
            return;
        }
        WaterArea w;
        w.geom = std::move(gg);
        if (name_index >= 0 && f.IsFieldSetAndNotNull(name_index)) {
            w.name = f.GetFieldAsString(name_index);
        }
        w.source = source;
        w.fid = SourceFid{f.GetFID()};
        raw.water.push_back(std::move(w));
    });
    repaired_fids.warn(ctx, o.name, "invalid water geometries repaired");
}

void read_buildings_source(const HouseholdSpec& spec, Raw& raw, const wrap::GeosContext& geos, RunContext& ctx) {
    OpenSource o = open_source(spec.source, ctx);
    const std::uint32_t source = add_source(raw, o.name, o.crs, spec.source.path);
    const std::string layer = o.layer->GetName();
    OGRFeatureDefn& defn = *o.layer->GetLayerDefn();
    const std::string key = spec.source.config_key;
    const int levels_index =
        spec.levels_field.empty() ? -1 : field_index(defn, spec.levels_field, spec.source, layer, key + ".levels_field");
    const int type_index =
        spec.type_field.empty() ? -1 : field_index(defn, spec.type_field, spec.source, layer, key + ".type_field");
    const int height_index = spec.height_field.empty() ? -1
                                                        : field_index(defn, spec.height_field, spec.source, layer,
                                                                      key + ".height_field");
    const int id_index = spec.building_id_field.empty()
                             ? -1
                             : field_index(defn, spec.building_id_field, spec.source, layer,
                                           key + ".building_id_field");
    FidTally skipped;
    for_each_feature(o, spec.source.path, [&](OGRFeature& f) {
        const OGRGeometry* g = f.GetGeometryRef();
        if (g == nullptr || g->IsEmpty()) {
            skipped.add(f.GetFID());
            return;
        }
        bool repaired = false;
        wrap::GeomPtr gg = read_polygonal(*g, "buildings", o, spec.source.path, f.GetFID(), geos, repaired);
        if (!gg || geos.is_empty(gg.get())) {
            skipped.add(f.GetFID());
            return;
        }
        Building b;
        b.geom = std::move(gg);
        if (type_index >= 0 && f.IsFieldSetAndNotNull(type_index)) {
            b.type = f.GetFieldAsString(type_index);
        }
        if (levels_index >= 0 && f.IsFieldSetAndNotNull(levels_index)) {
            const double levels = f.GetFieldAsDouble(levels_index);
            if (levels > 0.0 && levels <= 200.0) {
                b.levels = levels;
            }
        }
        if (height_index >= 0 && f.IsFieldSetAndNotNull(height_index)) {
            const double height = f.GetFieldAsDouble(height_index);
            if (height >= 1.0 && height <= 700.0) {
                b.height_m = height;
            }
        }
        if (id_index >= 0 && f.IsFieldSetAndNotNull(id_index)) {
            b.building_id = f.GetFieldAsString(id_index);
        }
        b.source = source;
        b.fid = SourceFid{f.GetFID()};
        raw.buildings.push_back(std::move(b));
    });
    skipped.warn(ctx, o.name, "buildings without a usable footprint skipped");
    raw.household_estimation = spec;
    if (spec.mode != HouseholdSpec::Mode::register_join) {
        return;
    }
    OpenSource r = open_source(spec.register_source, ctx);
    raw.input_files.push_back(spec.register_source.path);
    OGRFeatureDefn& rdefn = *r.layer->GetLayerDefn();
    const std::string rlayer = r.layer->GetName();
    const int rid = field_index(rdefn, spec.register_id_field, spec.register_source, rlayer,
                                spec.register_source.config_key + ".building_id_field");
    const int rcount = field_index(rdefn, spec.count_field, spec.register_source, rlayer,
                                   spec.register_source.config_key + ".count_field");
    FidTally register_rounded;
    FidTally no_count;
    for_each_feature(r, spec.register_source.path, [&](OGRFeature& f) {
        if (!f.IsFieldSetAndNotNull(rcount)) {
            no_count.add(f.GetFID());
            return;
        }
        // A row without a building id counts under "", an id no building has: rejected below.
        const std::string text = f.GetFieldAsString(rcount);
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || end == nullptr || *end != '\0' || !std::isfinite(v) || v < 0.0 || v > 1.0e7) {
            throw InputError{"household count must be a number from 0 to 10000000, got '" + text + "'",
                             file_label(spec.register_source.path), rlayer, f.GetFID(), spec.count_field};
        }
        raw.register_counts[f.GetFieldAsString(rid)] += std::llround(v);
        if (static_cast<double>(std::llround(v)) != v) {
            register_rounded.add(f.GetFID());
        }
    });
    register_rounded.warn(ctx, r.name, "household counts in " + spec.count_field + " not whole numbers, rounded");
    no_count.warn(ctx, r.name, "register rows without a " + spec.count_field + " value skipped (households unknown)");
}

} // namespace

void read_household_source(const HouseholdSpec& spec, Raw& raw, const wrap::GeosContext& geos, RunContext& ctx) {
    if (spec.mode != HouseholdSpec::Mode::points) {
        read_buildings_source(spec, raw, geos, ctx);
        return;
    }
    OpenSource o = open_source(spec.source, ctx);
    const std::uint32_t source = add_source(raw, o.name, o.crs, spec.source.path);
    const std::string layer = o.layer->GetName();
    const int count_index = spec.count_field.empty()
                                ? -1
                                : field_index(*o.layer->GetLayerDefn(), spec.count_field, spec.source, layer,
                                              spec.source.config_key + ".count_field");
    FidTally null_counts;
    FidTally rounded;
    FidTally no_geometry;
    std::int64_t no_geometry_households = 0;
    for_each_feature(o, spec.source.path, [&](OGRFeature& f) {
        HouseholdPoint h;
        h.source = source;
        h.fid = SourceFid{f.GetFID()};
        if (count_index >= 0) {
            if (!f.IsFieldSetAndNotNull(count_index)) {
                null_counts.add(f.GetFID());
                return;
            }
            const std::string text = f.GetFieldAsString(count_index);
            char* end = nullptr;
            const double v = std::strtod(text.c_str(), &end);
            if (text.empty() || end == nullptr || *end != '\0' || !std::isfinite(v) || v < 0.0 || v > 1.0e7) {
                throw InputError{"household count must be a number from 0 to 10000000, got '" + text + "'",
                                 file_label(spec.source.path), layer, f.GetFID(), spec.count_field};
            }
            h.count = static_cast<std::uint32_t>(std::llround(v));
            if (static_cast<double>(h.count) != v) {
                rounded.add(f.GetFID());
            }
        }
        // A feature without a usable location is a rejected household: counted in the
        // input and reported with its fid, never silently dropped.
        auto reject = [&](const std::string& what) {
            no_geometry.add(f.GetFID());
            no_geometry_households += h.count;
            raw.households_rejected["no_geometry"] += h.count;
            raw.problems.push_back(RawProblem{"household_no_geometry",
                                              std::to_string(h.count) + " households with " + what +
                                                  "; not placed in any block",
                                              source, h.fid, nullptr});
        };
        const OGRGeometry* g = f.GetGeometryRef();
        if (g == nullptr || g->IsEmpty()) {
            reject(g == nullptr ? "no geometry" : "an empty geometry");
            return;
        }
        const auto t = wkbFlatten(g->getGeometryType());
        if (t == wkbPoint) {
            const auto* p = g->toPoint();
            h.x = p->getX();
            h.y = p->getY();
        } else if (is_polygonal(t)) {
            wrap::GeomPtr gg = to_geos(*g, geos);
            if (!gg) {
                reject("a polygon GEOS cannot read");
                return;
            }
            geos.point_on_surface(gg.get(), h.x, h.y);
        } else {
            throw InputError{"wrong geometry type for households: expected Point (or building polygons), got " +
                                 type_name(g->getGeometryType()),
                             file_label(spec.source.path), layer, f.GetFID()};
        }
        if (!std::isfinite(h.x) || !std::isfinite(h.y)) {
            reject("a non-finite coordinate (NaN or infinity)");
            return;
        }
        raw.households.push_back(h);
    });
    if (no_geometry_households > 0 || !no_geometry.empty()) {
        no_geometry.warn(ctx, o.name,
                         "household features without a usable geometry (null, empty or NaN), holding " +
                             std::to_string(no_geometry_households) +
                             " households, rejected (blocks_qa problem household_no_geometry)");
    }
    null_counts.warn(ctx, o.name, "household points without a " + spec.count_field + " value skipped");
    rounded.warn(ctx, o.name, "household counts in " + spec.count_field + " not whole numbers, rounded");
}

namespace {

// --- OpenStreetMap ---------------------------------------------------------------

/// Field lookup by OSM key on one OGR layer of the OSM driver (keys laundered: ':' -> '_').
class OsmFields {
public:
    OsmFields() = default;
    OsmFields(OGRFeatureDefn& defn, const std::vector<std::string>& keys) {
        for (const auto& k : keys) {
            std::string laundered = k;
            std::replace(laundered.begin(), laundered.end(), ':', '_');
            m_index[k] = defn.GetFieldIndex(laundered.c_str());
        }
    }
    const char* get(const OGRFeature& f, const std::string& key) const {
        const auto it = m_index.find(key);
        if (it == m_index.end() || it->second < 0 || !f.IsFieldSetAndNotNull(it->second)) {
            return nullptr;
        }
        return f.GetFieldAsString(it->second);
    }

private:
    std::map<std::string, int> m_index;
};

/// A plain non-negative number at the start of an OSM value ("3", "2.5"), if any.
std::optional<double> leading_number(const char* value) {
    if (value == nullptr) {
        return std::nullopt;
    }
    char* end = nullptr;
    const double v = std::strtod(value, &end);
    if (end == value || !std::isfinite(v) || v < 0.0) {
        return std::nullopt;
    }
    return v;
}

/// Levels above ground from building:levels plus roof:levels, when plausible (0 to 200).
std::optional<double> osm_levels(const char* levels, const char* roof_levels) {
    const auto l = leading_number(levels);
    if (!l || *l <= 0.0) {
        return std::nullopt;
    }
    const double total = *l + leading_number(roof_levels).value_or(0.0);
    return total <= 200.0 ? std::optional<double>{total} : std::nullopt;
}

/// Height in metres from an OSM height value ("12", "12 m", "40'"/"40 ft" in feet), when
/// plausible (1 to 700 m).
std::optional<double> osm_height(const char* height) {
    auto h = leading_number(height);
    if (!h) {
        return std::nullopt;
    }
    const std::string text{height};
    if (text.find('\'') != std::string::npos || text.find("ft") != std::string::npos) {
        *h *= 0.3048;
    }
    return *h >= 1.0 && *h <= 700.0 ? h : std::nullopt;
}

std::int64_t osm_id_of(const OGRFeature& f) {
    for (const char* name : {"osm_id", "osm_way_id"}) {
        const int i = f.GetFieldIndex(name);
        if (i >= 0 && f.IsFieldSetAndNotNull(i)) {
            return std::strtoll(f.GetFieldAsString(i), nullptr, 10);
        }
    }
    return f.GetFID();
}

void read_osm_source(const BarrierSpec& spec, bool want_buildings, bool want_services, Raw& raw,
                     const wrap::GeosContext& geos, RunContext& ctx) {
    const OsmTagMapping mapping = spec.osm_tags.empty() ? OsmTagMapping::builtin() : OsmTagMapping::load(spec.osm_tags);
    const std::string path = spec.source.path;
    GDALDatasetUniquePtr ds =
        wrap::open_vector(path, {"CONFIG_FILE=" + osm_driver_config_path(), "INTERLEAVED_READING=YES"});
    if (std::string{ds->GetDriverName()} != "OSM") {
        throw InputError{"not an OpenStreetMap file (read by GDAL's " + std::string{ds->GetDriverName()} +
                             " driver); use class_field or class instead of \"osm\"",
                         file_label(path)};
    }
    const std::string label = std::filesystem::path{path}.filename().string();
    raw.osm_source_name = file_label(path);
    const crs::Crs wgs84 = crs::Crs::wgs84();
    const std::uint32_t lines_source = add_source(raw, file_label(path) + ":lines", wgs84, path);
    const std::uint32_t areas_source = add_source(raw, file_label(path) + ":multipolygons", wgs84, path);
    const std::uint32_t points_source = add_source(raw, file_label(path) + ":points", wgs84, path);

    std::vector<std::string> keys = mapping.all_keys();
    for (const char* k : {"bridge", "tunnel", "layer", "boundary", "admin_level", "name", "building", "building:levels",
                          "roof:levels", "height", "building:height", "landuse", "natural"}) {
        keys.emplace_back(k);
    }
    std::map<const OGRLayer*, OsmFields> fields;
    std::size_t lines_read = 0;
    std::size_t lines_unmapped = 0;
    std::size_t areas_unreadable = 0;

    wrap::CplMessageCapture capture;
    ds->ResetReading();
    for (;;) {
        OGRLayer* layer = nullptr;
        OGRFeatureUniquePtr f{ds->GetNextFeature(&layer, nullptr, nullptr, nullptr)};
        if (!f) {
            break;
        }
        const std::string layer_name = layer->GetName();
        const bool is_lines = layer_name == "lines";
        const bool is_areas = layer_name == "multipolygons";
        const bool is_points = layer_name == "points";
        if (!is_lines && !is_areas && !(is_points && want_services)) {
            continue;
        }
        auto [it, inserted] = fields.try_emplace(layer);
        if (inserted) {
            it->second = OsmFields{*layer->GetLayerDefn(), keys};
        }
        const OsmFields& fl = it->second;
        auto tag = [&fl, &f](const std::string& key) { return fl.get(*f, key); };
        const OGRGeometry* g = f->GetGeometryRef();
        if (g == nullptr || g->IsEmpty()) {
            continue;
        }
        if (is_lines) {
            ++lines_read;
            if (const char* natural = tag("natural"); natural != nullptr && std::string{natural} == "coastline") {
                if (wrap::GeomPtr coast = to_geos(*g, geos)) {
                    raw.coastlines.push_back(std::move(coast));
                }
                continue;
            }
            const auto cls = mapping.classify(tag);
            if (!cls) {
                ++lines_unmapped;
                continue;
            }
            wrap::GeomPtr gg = to_geos(*g, geos);
            if (!gg || geos.length(gg.get()) <= 0.0) {
                raw.problems.push_back(RawProblem{"invalid_skipped", "OSM way without length; skipped", lines_source,
                                                  SourceFid{osm_id_of(*f)}, {}});
                continue;
            }
            BarrierLine line;
            line.geom = std::move(gg);
            line.cls = *cls;
            if (const char* n = tag(mapping.name_tag())) {
                line.name = n;
            }
            auto yes = [&tag](const char* key) {
                const char* v = tag(key);
                return v != nullptr && std::string{v} != "no";
            };
            line.bridge = yes("bridge");
            line.tunnel = yes("tunnel");
            line.barrier = !mapping.is_excluded(tag);
            line.walkable = *cls != BarrierClass::river && mapping.is_walkable(tag);
            if (const char* l = tag("layer")) {
                line.layer = static_cast<int>(std::strtol(l, nullptr, 10));
            }
            line.source = lines_source;
            line.fid = SourceFid{osm_id_of(*f)};
            raw.barriers.push_back(std::move(line));
            continue;
        }
        if (want_services && (is_points || is_areas)) {
            const ServiceSet services = mapping.services_of(tag);
            const bool centre = mapping.is_centre(tag);
            if (services != 0 || centre) {
                PointFeature pf;
                if (is_points) {
                    pf.x = g->toPoint()->getX();
                    pf.y = g->toPoint()->getY();
                } else if (wrap::GeomPtr area = to_geos(*g, geos)) {
                    if (geos.is_valid(area.get())) {
                        geos.point_on_surface(area.get(), pf.x, pf.y);
                    } else {
                        int dropped = 0;
                        area = geos.make_valid_polygonal(area.get(), dropped);
                        if (geos.is_empty(area.get())) {
                            continue;
                        }
                        geos.point_on_surface(area.get(), pf.x, pf.y);
                    }
                }
                pf.id = std::string{is_points ? "n" : (f->GetFieldIndex("osm_way_id") >= 0 &&
                                                       f->IsFieldSetAndNotNull(f->GetFieldIndex("osm_way_id")))
                                                          ? "w"
                                                          : "r"} +
                        std::to_string(osm_id_of(*f));
                if (const char* n = tag(mapping.name_tag())) {
                    pf.name = n;
                }
                pf.source = is_points ? points_source : areas_source;
                pf.fid = SourceFid{osm_id_of(*f)};
                if (centre) {
                    pf.services = all_services_mask;
                    raw.osm_centres.push_back(pf);
                }
                if (services != 0) {
                    pf.services = services;
                    raw.osm_facilities.push_back(pf);
                }
            }
            if (is_points) {
                continue;
            }
        }
        // multipolygons: admin boundaries, water areas, buildings and land use
        const char* boundary = tag("boundary");
        const bool admin = boundary != nullptr && std::string{boundary} == "administrative";
        const bool water = mapping.is_water_area(tag);
        const char* building_tag = want_buildings ? tag("building") : nullptr;
        const bool building = building_tag != nullptr && std::string{building_tag} != "no";
        const bool landuse = want_buildings && mapping.is_estimate_landuse(tag("landuse"));
        if (!admin && !water && !building && !landuse) {
            continue;
        }
        wrap::GeomPtr gg = to_geos(*g, geos);
        if (!gg) {
            ++areas_unreadable;
            continue;
        }
        bool repaired = false;
        gg = valid_polygons(std::move(gg), geos, repaired);
        if (repaired) {
            raw.problems.push_back(RawProblem{"invalid_repaired", "invalid OSM area repaired with MakeValid",
                                              areas_source, SourceFid{osm_id_of(*f)}, geos.clone(gg.get())});
        }
        if (geos.is_empty(gg.get())) {
            continue;
        }
        const char* name = tag(mapping.name_tag());
        if (admin) {
            RawAdmin a;
            a.geom = geos.clone(gg.get());
            a.name = name != nullptr ? name : "";
            const char* level = tag("admin_level");
            a.level = level != nullptr ? static_cast<int>(std::strtol(level, nullptr, 10)) : 0;
            a.fid = SourceFid{osm_id_of(*f)};
            raw.admins.push_back(std::move(a));
        }
        if (building) {
            Building b;
            b.geom = geos.clone(gg.get());
            b.type = building_tag;
            b.levels = osm_levels(tag("building:levels"), tag("roof:levels"));
            const char* height = tag("height");
            b.height_m = osm_height(height != nullptr ? height : tag("building:height"));
            b.source = areas_source;
            b.fid = SourceFid{osm_id_of(*f)};
            raw.buildings.push_back(std::move(b));
        }
        if (landuse) {
            RawAdmin l;
            l.geom = geos.clone(gg.get());
            l.name = tag("landuse");
            l.fid = SourceFid{osm_id_of(*f)};
            raw.landuse.push_back(std::move(l));
        }
        if (water) {
            WaterArea w;
            w.geom = std::move(gg);
            w.name = name != nullptr ? name : "";
            w.source = areas_source;
            w.fid = SourceFid{osm_id_of(*f)};
            raw.water.push_back(std::move(w));
        }
    }
    const std::string error = capture.last_error();
    if (!error.empty()) {
        throw InputError{"read failed: " + error, file_label(path)};
    }
    std::size_t barriers = 0;
    for (const auto& b : raw.barriers) {
        barriers += b.source == lines_source ? 1 : 0;
    }
    if (barriers == 0) {
        ctx.log.warning(label + ": no ways map to a barrier class (" + std::to_string(lines_read) +
                        " lines read); check the tag mapping");
    } else {
        ctx.log.info(label + ": " + std::to_string(barriers) + " barrier lines, " +
                     std::to_string(lines_unmapped) + " other lines ignored, " + std::to_string(raw.water.size()) +
                     " water areas, " + std::to_string(raw.admins.size()) + " administrative boundaries");
    }
    if (want_buildings) {
        if (raw.buildings.empty()) {
            ctx.log.warning(label + ": no buildings to estimate households from; give household points with "
                                    "--households FILE (or \"households\" in a config)");
        } else {
            HouseholdSpec estimate;
            estimate.mode = HouseholdSpec::Mode::buildings;
            estimate.source.path = path;
            estimate.estimate = mapping.households();
            raw.household_estimation = estimate;
        }
    }
    if (areas_unreadable > 0) {
        ctx.log.warning(label + ": " + std::to_string(areas_unreadable) + " OSM areas could not be read; skipped");
    }
}

} // namespace

namespace {

void read_totals_source(const HouseholdTotalsSpec& spec, Raw& raw, const wrap::GeosContext& geos, RunContext& ctx) {
    OpenSource o = open_source(spec.source, ctx);
    const std::uint32_t source = add_source(raw, o.name, o.crs, spec.source.path);
    const std::string layer = o.layer->GetName();
    const int count_index = field_index(*o.layer->GetLayerDefn(), spec.count_field, spec.source, layer,
                                        spec.source.config_key + ".count_field");
    FidTally skipped;
    for_each_feature(o, spec.source.path, [&](OGRFeature& f) {
        if (!f.IsFieldSetAndNotNull(count_index)) {
            throw InputError{"no household total (" + spec.count_field + " is empty)", file_label(spec.source.path),
                             layer, f.GetFID(), spec.count_field};
        }
        const std::string text = f.GetFieldAsString(count_index);
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || end == nullptr || *end != '\0' || !std::isfinite(v) || v < 0.0 || v > 1.0e8 ||
            std::floor(v) != v) {
            throw InputError{"household total must be a whole number from 0 to 100000000, got '" + text + "'",
                             file_label(spec.source.path), layer, f.GetFID(), spec.count_field};
        }
        const OGRGeometry* g = f.GetGeometryRef();
        if (g == nullptr || g->IsEmpty()) {
            if (v > 0.0) {
                throw InputError{"an area with " + text + " households has no geometry",
                                 file_label(spec.source.path), layer, f.GetFID()};
            }
            skipped.add(f.GetFID());
            return;
        }
        bool repaired = false;
        wrap::GeomPtr gg = read_polygonal(*g, "household totals", o, spec.source.path, f.GetFID(), geos, repaired);
        if (!gg || geos.is_empty(gg.get())) {
            throw InputError{"an area with " + text + " households has no usable polygon",
                             file_label(spec.source.path), layer, f.GetFID()};
        }
        Raw::Total t;
        t.geom = std::move(gg);
        t.households = static_cast<std::int64_t>(v);
        t.source = source;
        t.fid = SourceFid{f.GetFID()};
        raw.household_totals.push_back(std::move(t));
    });
    skipped.warn(ctx, o.name, "areas with 0 households and no geometry skipped");
}

} // namespace

void read_sources(const DistrictSpec& spec, Raw& raw, const wrap::GeosContext& geos, RunContext& ctx) {
    if (spec.boundary.kind == BoundarySpec::Kind::source) {
        read_boundary_source(spec.boundary.source, raw, geos, ctx);
    }
    if (spec.barriers.empty()) {
        throw ConfigError{"barriers", "missing: name at least one source of barrier lines"};
    }
    bool osm_read = false;
    for (const auto& b : spec.barriers) {
        if (b.rule == BarrierSpec::Rule::osm) {
            if (osm_read) {
                throw ConfigError{b.source.config_key, "only one OpenStreetMap source is supported per district"};
            }
            read_osm_source(b, !spec.households.has_value(), !spec.centres && !spec.facilities, raw, geos, ctx);
            raw.osm_services = !spec.centres && !spec.facilities;
            osm_read = true;
        } else {
            read_barrier_source(b, raw, geos, ctx);
        }
    }
    for (const auto& w : spec.water) {
        read_water_source(w, raw, geos, ctx);
    }
    if (spec.household_totals && spec.population_raster) {
        throw ConfigError{spec.population_raster->source.config_key,
                          "give either household totals or a population raster, not both"};
    }
    if (spec.population_raster && spec.households && spec.households->mode != HouseholdSpec::Mode::buildings) {
        throw ConfigError{spec.population_raster->source.config_key,
                          "a population raster is shared out over buildings: it goes with households "
                          "estimated from buildings (OSM, or \"buildings\" in the households section)"};
    }
    if (spec.household_totals && spec.households && spec.households->mode != HouseholdSpec::Mode::buildings) {
        throw ConfigError{spec.household_totals->source.config_key,
                          "household totals are shared out over buildings: they go with households "
                          "estimated from buildings (OSM, or \"buildings\" in the households section)"};
    }
    if (spec.households) {
        read_household_source(*spec.households, raw, geos, ctx);
    }
    if (spec.population_raster) {
        if (!raw.household_estimation || raw.household_estimation->mode != HouseholdSpec::Mode::buildings) {
            throw ConfigError{spec.population_raster->source.config_key,
                              "there are no buildings to share the population raster out over"};
        }
        if (!(spec.population_raster->persons_per_household >= 0.5 &&
              spec.population_raster->persons_per_household <= 20.0)) {
            throw ConfigError{spec.population_raster->source.config_key + ".persons_per_household",
                              "must be from 0.5 to 20"};
        }
        raw.population_raster = spec.population_raster;
        raw.population_raster_source = add_source(raw, file_label(spec.population_raster->source.path),
                                                  crs::Crs::wgs84(), spec.population_raster->source.path);
    }
    if (spec.household_totals) {
        read_totals_source(*spec.household_totals, raw, geos, ctx);
        if (!raw.household_estimation || raw.household_estimation->mode != HouseholdSpec::Mode::buildings) {
            throw ConfigError{spec.household_totals->source.config_key,
                              "there are no buildings to share the household totals out over"};
        }
    }
}

namespace {

/// Each source's transformation to the working CRS, made on first use.
class SourceProjector {
public:
    SourceProjector(const Raw& raw, const crs::Crs& working)
        : m_raw(raw), m_working(working), m_transformers(raw.source_crs.size()) {}

    const crs::Transformer& transformer(std::uint32_t source) {
        auto& t = m_transformers.at(source);
        if (!t) {
            t = std::make_unique<crs::Transformer>(m_raw.source_crs[source], m_working);
        }
        return *t;
    }

    /// A geometry of `source` in the working CRS; a CrsError names the source.
    wrap::GeomPtr project(std::uint32_t source, const GEOSGeometry* g, const wrap::GeosContext& geos) {
        try {
            return transformer(source).apply(geos, g);
        } catch (const CrsError& e) {
            throw CrsError{m_raw.source_names.at(source) + ": " + e.what()};
        }
    }

private:
    const Raw& m_raw;
    const crs::Crs& m_working;
    std::vector<std::unique_ptr<crs::Transformer>> m_transformers;
};

} // namespace

void project_households(Raw& raw, const crs::Crs& working, const GEOSGeometry* district,
                        std::vector<HouseholdPoint>& out, std::optional<EstimateReport>& estimate,
                        const wrap::GeosContext& geos, RunContext& ctx) {
    SourceProjector projector{raw, working};
    out.reserve(out.size() + raw.households.size());
    FidTally unprojectable;
    std::int64_t unprojectable_households = 0;
    for (auto& h : raw.households) {
        const double x = h.x;
        const double y = h.y;
        try {
            projector.transformer(h.source).apply(h.x, h.y);
        } catch (const CrsError& e) {
            // Rejected, counted and reported, like a household without a geometry.
            unprojectable.add(h.fid.value());
            unprojectable_households += h.count;
            raw.households_rejected["unprojectable"] += h.count;
            raw.problems.push_back(RawProblem{"household_unprojectable",
                                              std::to_string(h.count) + " households at (" + std::to_string(x) +
                                                  ", " + std::to_string(y) + ") cannot be projected into " +
                                                  working.label() + "; not placed in any block",
                                              h.source, h.fid, nullptr});
            continue;
        }
        out.push_back(h);
    }
    if (unprojectable_households > 0 || !unprojectable.empty()) {
        unprojectable.warn(ctx, "households",
                           "household points that cannot be projected into the working CRS, holding " +
                               std::to_string(unprojectable_households) +
                               " households, rejected (blocks_qa problem household_unprojectable)");
    }
    if (raw.household_estimation) {
        for (auto& b : raw.buildings) {
            b.geom = projector.project(b.source, b.geom.get(), geos);
        }
        std::vector<wrap::GeomPtr> owned;
        std::vector<LanduseArea> landuse;
        const crs::Transformer from_wgs84{crs::Crs::wgs84(), working};
        for (const auto& l : raw.landuse) {
            owned.push_back(from_wgs84.apply(geos, l.geom.get()));
            landuse.push_back(LanduseArea{owned.back().get(), l.name});
        }
        std::vector<HouseholdTotal> totals;
        for (const auto& t : raw.household_totals) {
            owned.push_back(projector.project(t.source, t.geom.get(), geos));
            totals.push_back(HouseholdTotal{owned.back().get(), t.households, t.source, t.fid});
        }
        std::vector<RasterCell> cells;
        if (raw.population_raster) {
            cells = raster_cells(*raw.population_raster, district, working, geos);
            for (std::size_t i = 0; i < cells.size(); ++i) {
                totals.push_back(HouseholdTotal{cells[i].square.get(), cells[i].households,
                                                raw.population_raster_source,
                                                SourceFid{static_cast<std::int64_t>(i)}, "raster"});
            }
        }
        const HouseholdSpec& how = *raw.household_estimation;
        if (how.mode == HouseholdSpec::Mode::register_join) {
            std::int64_t unmatched = 0;
            std::size_t unmatched_ids = 0;
            estimate = join_register(raw.buildings, raw.register_counts, geos, out, unmatched, unmatched_ids);
            if (unmatched_ids > 0) {
                // Rejected households: counted in the input, one QA row per building id.
                raw.households_rejected["no_building"] += unmatched;
                std::set<std::string> ids;
                for (const auto& b : raw.buildings) {
                    if (!b.building_id.empty()) {
                        ids.insert(b.building_id);
                    }
                }
                for (const auto& [id, count] : raw.register_counts) {
                    if (ids.count(id) == 0) {
                        Problem pr;
                        pr.problem = "household_no_building";
                        pr.detail = std::to_string(count) + " households under building id '" + id +
                                    "', which matches no building with a footprint; not placed";
                        pr.source = file_label(how.register_source.path);
                        ctx.problems.report(std::move(pr));
                    }
                }
                ctx.log.warning(how.register_source.path + ": " + std::to_string(unmatched) + " households under " +
                                std::to_string(unmatched_ids) +
                                " building ids that match no building, rejected (problem household_no_building)");
            }
        } else {
            estimate = estimate_households(raw.buildings, landuse, totals, how.estimate, geos, out);
            if (estimate->totals_without_buildings > 0) {
                ctx.log.warning(std::to_string(estimate->totals_without_buildings) +
                                (raw.population_raster ? " raster cells" : " areas of known household totals") +
                                " hold no residential building; their households stand at a point inside each");
            }
        }
        const auto& e = *estimate;
        ctx.log.info("households estimated from " + e.method + ": " + std::to_string(e.buildings_read) +
                     " buildings read, " + std::to_string(e.buildings_residential) + " counted residential, " +
                     std::to_string(e.households) + " households");
    }
}

void project_into(Raw& raw, District& d, const wrap::GeosContext& geos, RunContext& ctx) {
    SourceProjector projector{raw, d.working_crs};

    const crs::Transformer boundary_to_working{raw.boundary_crs, d.working_crs};
    d.boundary = boundary_to_working.apply(geos, raw.boundary.get());
    if (!geos.is_valid(d.boundary.get())) {
        int dropped = 0;
        d.boundary = geos.make_valid_polygonal(d.boundary.get(), dropped);
    }
    if (geos.is_empty(d.boundary.get()) || geos.area(d.boundary.get()) <= 0.0) {
        throw InputError{"the district boundary is empty after projection to " + d.working_crs.label(),
                         raw.boundary_description};
    }
    d.boundary_description = raw.boundary_description;

    d.barriers.reserve(raw.barriers.size());
    for (auto& b : raw.barriers) {
        b.geom = projector.project(b.source, b.geom.get(), geos);
        d.barriers.push_back(std::move(b));
    }
    for (auto& w : raw.water) {
        w.geom = projector.project(w.source, w.geom.get(), geos);
        if (!geos.is_valid(w.geom.get())) {
            int dropped = 0;
            w.geom = geos.make_valid_polygonal(w.geom.get(), dropped);
        }
        d.water.push_back(std::move(w));
    }
    detail::project_households(raw, d.working_crs, d.boundary.get(), d.households, d.household_estimate, geos, ctx);
    d.households_rejected = std::move(raw.households_rejected);
    if (raw.osm_services) {
        const crs::Transformer from_wgs84{crs::Crs::wgs84(), d.working_crs};
        for (auto* list : {&raw.osm_centres, &raw.osm_facilities}) {
            for (auto& pf : *list) {
                from_wgs84.apply(pf.x, pf.y);
            }
        }
        d.centres = std::move(raw.osm_centres);
        d.facilities = std::move(raw.osm_facilities);
        ctx.log.info("from OSM tags: " + std::to_string(d.centres.size()) + " community centres, " +
                     std::to_string(d.facilities.size()) + " service facilities");
    }
    for (auto& p : raw.problems) {
        Problem out;
        out.problem = p.code;
        out.detail = p.detail;
        out.source = raw.source_names.at(p.source);
        out.fid = p.fid.valid() ? std::optional<std::int64_t>{p.fid.value()} : std::nullopt;
        if (p.geom) {
            try {
                out.wkb = geos.to_wkb(projector.project(p.source, p.geom.get(), geos).get());
            } catch (const CrsError&) {
                // keep the problem without a location
            }
        }
        ctx.problems.report(std::move(out));
    }
    d.sources = std::move(raw.source_names);
    d.input_files = std::move(raw.input_files);
    d.from_osm = !raw.osm_source_name.empty();
}

} // namespace gridplan::io::detail
