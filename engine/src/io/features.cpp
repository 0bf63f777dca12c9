// Point and polygon feature layers: centres, facilities, units, candidates, grids.
#include "gridplan/io/district.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "io/detail/coordinate_checks.hpp"
#include "io/detail/ogr_read.hpp"

#include <ogrsf_frmts.h>

#include <algorithm>
#include <cctype>

namespace gridplan::io {

namespace {

std::string trim_lower(std::string s) {
    const auto begin = s.find_first_not_of(" \t");
    const auto end = s.find_last_not_of(" \t");
    s = begin == std::string::npos ? std::string{} : s.substr(begin, end - begin + 1);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

} // namespace

ServiceSet parse_services(const std::string& value, const std::map<std::string, std::string>& service_map) {
    ServiceSet set = 0;
    std::string item;
    auto flush = [&]() {
        std::string name = trim_lower(item);
        item.clear();
        if (name.empty()) {
            return;
        }
        if (const auto it = service_map.find(name); it != service_map.end()) {
            name = it->second;
        }
        const auto s = parse_service(name);
        if (!s) {
            throw InputError{"unknown service '" + name + "'; allowed: " + service_names() +
                             " (or map it through the layer's service_map)"};
        }
        set = static_cast<ServiceSet>(set | mask_of(*s));
    };
    for (const char c : value) {
        if (c == ',' || c == ';' || c == '|') {
            flush();
        } else {
            item += c;
        }
    }
    flush();
    return set;
}

std::vector<PointFeature> read_point_layer(const FeatureLayerSpec& spec, PointRole role, const crs::Crs& working,
                                           const wrap::GeosContext& geos, RunContext& ctx) {
    detail::OpenSource o = detail::open_source(spec.source, ctx);
    const std::string layer = o.layer->GetName();
    OGRFeatureDefn& defn = *o.layer->GetLayerDefn();
    const std::string& key = spec.source.config_key;
    auto index_of = [&](const std::string& field, const char* fallback, const char* key_name) {
        if (!field.empty()) {
            return detail::field_index(defn, field, spec.source, layer, key + "." + key_name);
        }
        return fallback != nullptr ? defn.GetFieldIndex(fallback) : -1;
    };
    const int id_index = index_of(spec.id_field, nullptr, "id_field");
    const int name_index = index_of(spec.name_field, "name", "name_field");
    const int services_index = index_of(spec.services_field, "services", "services_field");
    const int kind_index = index_of(spec.kind_field, "kind", "kind_field");
    const crs::Transformer to_working{o.crs, working};
    std::vector<PointFeature> out;
    detail::for_each_feature(o, spec.source.path, [&](OGRFeature& f) {
        const OGRGeometry* g = f.GetGeometryRef();
        if (g == nullptr || g->IsEmpty()) {
            return;
        }
        PointFeature p;
        const auto t = wkbFlatten(g->getGeometryType());
        if (t == wkbPoint) {
            p.x = g->toPoint()->getX();
            p.y = g->toPoint()->getY();
        } else if (t == wkbPolygon || t == wkbMultiPolygon || t == wkbMultiPoint) {
            wrap::GeomPtr gg = detail::to_geos(*g, geos);
            if (!gg) {
                return;
            }
            if (t == wkbMultiPoint) {
                gg = geos.own(GEOSGetCentroid_r(geos.handle(), gg.get()), "centroid");
                geos.check_status(GEOSGeomGetX_r(geos.handle(), gg.get(), &p.x), "x");
                geos.check_status(GEOSGeomGetY_r(geos.handle(), gg.get(), &p.y), "y");
            } else {
                geos.point_on_surface(gg.get(), p.x, p.y);
            }
        } else {
            throw InputError{"wrong geometry type: expected Point (or Polygon), got " +
                                 std::string{OGRGeometryTypeToName(t)},
                             detail::file_label(spec.source.path), layer, f.GetFID()};
        }
        detail::check_lonlat_range(*g, o.crs, spec.source.path, layer, f.GetFID());
        try {
            to_working.apply(p.x, p.y);
        } catch (const CrsError& e) {
            throw InputError{e.what(), detail::file_label(spec.source.path), layer, f.GetFID()};
        }
        p.id = id_index >= 0 && f.IsFieldSetAndNotNull(id_index) ? f.GetFieldAsString(id_index)
                                                                 : std::to_string(f.GetFID());
        if (name_index >= 0 && f.IsFieldSetAndNotNull(name_index)) {
            p.name = f.GetFieldAsString(name_index);
        }
        if (kind_index >= 0 && f.IsFieldSetAndNotNull(kind_index)) {
            p.kind = f.GetFieldAsString(kind_index);
        }
        if (services_index >= 0 && f.IsFieldSetAndNotNull(services_index)) {
            try {
                p.services = parse_services(f.GetFieldAsString(services_index), spec.service_map);
            } catch (const InputError& e) {
                throw InputError{e.reason(), detail::file_label(spec.source.path), layer, f.GetFID(),
                                 defn.GetFieldDefn(services_index)->GetNameRef()};
            }
        } else if (role == PointRole::centre || role == PointRole::candidate) {
            p.services = all_services_mask;  // a one-stop centre offers every service
        } else if (role == PointRole::facility) {
            throw InputError{"a service facility needs its services (field '" +
                                 (spec.services_field.empty() ? std::string{"services"} : spec.services_field) +
                                 "'; allowed: " + service_names() + ")",
                             detail::file_label(spec.source.path), layer, f.GetFID()};
        }
        p.fid = SourceFid{f.GetFID()};
        out.push_back(std::move(p));
    });
    return out;
}

std::vector<PolygonFeature> read_polygon_layer(const SourceSpec& source, const std::string& id_field,
                                               const crs::Crs& working, const wrap::GeosContext& geos,
                                               RunContext& ctx) {
    detail::OpenSource o = detail::open_source(source, ctx);
    const std::string layer = o.layer->GetName();
    OGRFeatureDefn& defn = *o.layer->GetLayerDefn();
    const int id_index = id_field.empty() ? -1 : defn.GetFieldIndex(id_field.c_str());
    const int name_index = defn.GetFieldIndex("name");
    const int kind_index = defn.GetFieldIndex("kind");
    const crs::Transformer to_working{o.crs, working};
    std::vector<PolygonFeature> out;
    detail::for_each_feature(o, source.path, [&](OGRFeature& f) {
        const OGRGeometry* g = f.GetGeometryRef();
        if (g == nullptr || g->IsEmpty()) {
            return;
        }
        const auto t = wkbFlatten(g->getGeometryType());
        if (t != wkbPolygon && t != wkbMultiPolygon && t != wkbCurvePolygon && t != wkbMultiSurface) {
            throw InputError{"wrong geometry type: expected Polygon or MultiPolygon, got " +
                                 std::string{OGRGeometryTypeToName(t)},
                             detail::file_label(source.path), layer, f.GetFID()};
        }
        detail::check_lonlat_range(*g, o.crs, source.path, layer, f.GetFID());
        wrap::GeomPtr gg = detail::to_geos(*g, geos);
        if (!gg) {
            throw InputError{"unreadable polygon", detail::file_label(source.path), layer, f.GetFID()};
        }
        gg = to_working.apply(geos, gg.get());
        if (!geos.is_valid(gg.get())) {
            int dropped = 0;
            gg = geos.make_valid_polygonal(gg.get(), dropped);
        }
        PolygonFeature p;
        p.geom = std::move(gg);
        p.id = id_index >= 0 && f.IsFieldSetAndNotNull(id_index) ? f.GetFieldAsString(id_index)
                                                                 : std::to_string(f.GetFID());
        if (name_index >= 0 && f.IsFieldSetAndNotNull(name_index)) {
            p.name = f.GetFieldAsString(name_index);
        }
        if (kind_index >= 0 && f.IsFieldSetAndNotNull(kind_index)) {
            p.kind = f.GetFieldAsString(kind_index);
        }
        p.fid = SourceFid{f.GetFID()};
        out.push_back(std::move(p));
    });
    return out;
}

} // namespace gridplan::io
