// share_kept: measures, independently of the engine, how many households kept their grid
// between two plans. Only GDAL/OGR is used (point-in-polygon with prepared geometries);
// no gridplan code, so it can check the engine's own changes.json.
//
//   share_kept PREV_GRIDS NEW_GRIDS PREV_HOUSEHOLDS NEW_HOUSEHOLDS [--id FIELD] [--count FIELD] [--flows]
//
// A household is "persisting" when a point of PREV_HOUSEHOLDS and one of NEW_HOUSEHOLDS
// have the same coordinates (to 1e-7 of the layers' unit; all four layers in one CRS); its weight is the smaller of
// the two counts. Each persisting point is located in the previous and the new grid
// layer; it is kept when the grid ids agree. Also printed: the share kept when each new
// grid is matched to the previous grid it shares most persisting households with (how a
// fresh plan is compared with the previous one). Output: one JSON object on stdout.

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <tuple>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace {

[[noreturn]] void fail(const std::string& message) {
    std::fprintf(stderr, "share_kept: %s\n", message.c_str());
    std::exit(1);
}

struct Polygons {
    std::vector<std::int64_t> ids;
    std::vector<OGRGeometryH> geoms;
    std::vector<OGRPreparedGeometryH> prepared;
    std::vector<OGREnvelope> envelopes;
    OGRSpatialReferenceH srs = nullptr;

    std::int64_t locate(OGRGeometryH point, double x, double y) const {
        for (std::size_t i = 0; i < geoms.size(); ++i) {
            const auto& e = envelopes[i];
            if (x < e.MinX || x > e.MaxX || y < e.MinY || y > e.MaxY) {
                continue;
            }
            if (OGRPreparedGeometryIntersects(prepared[i], point)) {
                return ids[i];
            }
        }
        return -1;
    }
};

GDALDatasetH open(const std::string& path) {
    GDALDatasetH ds = GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr);
    if (ds == nullptr || GDALDatasetGetLayerCount(ds) < 1) {
        fail(path + ": cannot open as a vector layer");
    }
    return ds;
}

Polygons read_polygons(const std::string& path, const std::string& id_field) {
    Polygons out;
    GDALDatasetH ds = open(path);
    OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
    const int field = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(layer), id_field.c_str());
    if (field < 0) {
        fail(path + ": no field '" + id_field + "'");
    }
    if (OGRSpatialReferenceH s = OGR_L_GetSpatialRef(layer)) {
        out.srs = OSRClone(s);
        OSRSetAxisMappingStrategy(out.srs, OAMS_TRADITIONAL_GIS_ORDER);
    }
    OGR_L_ResetReading(layer);
    while (OGRFeatureH f = OGR_L_GetNextFeature(layer)) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (g != nullptr && !OGR_G_IsEmpty(g)) {
            OGRGeometryH copy = OGR_G_Clone(g);
            OGREnvelope e;
            OGR_G_GetEnvelope(copy, &e);
            out.ids.push_back(OGR_F_GetFieldAsInteger64(f, field));
            out.geoms.push_back(copy);
            out.prepared.push_back(OGRCreatePreparedGeometry(copy));
            out.envelopes.push_back(e);
        }
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    return out;
}

/// Household points: (x, y) -> households, in the layer's own coordinates; the layer
/// must share the grids' CRS (GeoJSON: WGS 84).
std::map<std::pair<double, double>, double> read_points(const std::string& path, const std::string& count_field,
                                                       OGRSpatialReferenceH grids_srs) {
    std::map<std::pair<double, double>, double> out;
    GDALDatasetH ds = open(path);
    OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
    const int field = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(layer), count_field.c_str());
    if (field < 0) {
        fail(path + ": no field '" + count_field + "'");
    }
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
    if (srs != nullptr && grids_srs != nullptr && !OSRIsSame(srs, grids_srs)) {
        fail(path + ": not in the grid layers' CRS (convert it with ogr2ogr -t_srs first)");
    }
    OGR_L_ResetReading(layer);
    while (OGRFeatureH f = OGR_L_GetNextFeature(layer)) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (g != nullptr && wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPoint) {
            const std::pair<double, double> key{std::round(OGR_G_GetX(g, 0) * 1e7) / 1e7,
                                                std::round(OGR_G_GetY(g, 0) * 1e7) / 1e7};
            out[key] += OGR_F_GetFieldAsDouble(f, field);
        }
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    return out;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args;
    bool flows = false;
    std::string id_field = "grid_id";
    std::string count_field = "households";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--flows") {
            flows = true;
        } else if ((a == "--id" || a == "--count") && i + 1 < argc) {
            (a == "--id" ? id_field : count_field) = argv[++i];
        } else {
            args.push_back(a);
        }
    }
    if (args.size() != 4) {
        fail("usage: share_kept PREV_GRIDS NEW_GRIDS PREV_HOUSEHOLDS NEW_HOUSEHOLDS [--id FIELD] [--count FIELD]");
    }
    GDALAllRegister();
    const Polygons before = read_polygons(args[0], id_field);
    const Polygons after = read_polygons(args[1], id_field);
    const auto prev_points = read_points(args[2], count_field, before.srs);
    const auto new_points = read_points(args[3], count_field, after.srs);

    double persisting = 0.0;
    double kept = 0.0;
    double new_only = 0.0;
    double removed = 0.0;
    std::map<std::pair<std::int64_t, std::int64_t>, double> shared;  // (new grid, previous grid) -> households
    std::vector<std::tuple<std::int64_t, std::int64_t, double>> located;
    for (const auto& [key, count] : new_points) {
        const auto it = prev_points.find(key);
        if (it == prev_points.end()) {
            new_only += count;
            continue;
        }
        const double w = std::min(count, it->second);
        new_only += count - w;
        OGRGeometryH p = OGR_G_CreateGeometry(wkbPoint);
        OGR_G_SetPoint_2D(p, 0, key.first, key.second);
        const std::int64_t g0 = before.locate(p, key.first, key.second);
        const std::int64_t g1 = after.locate(p, key.first, key.second);
        OGR_G_DestroyGeometry(p);
        persisting += w;
        kept += g0 == g1 && g0 >= 0 ? w : 0.0;
        shared[{g1, g0}] += w;
        located.emplace_back(g0, g1, w);
    }
    for (const auto& [key, count] : prev_points) {
        const auto it = new_points.find(key);
        removed += it == new_points.end() ? count : std::max(0.0, count - it->second);
    }
    std::map<std::int64_t, std::pair<double, std::int64_t>> match;  // new grid -> (shared, previous grid)
    for (const auto& [pair, w] : shared) {
        auto& m = match[pair.first];
        if (w > m.first) {
            m = {w, pair.second};
        }
    }
    double kept_matched = 0.0;
    for (const auto& [g0, g1, w] : located) {
        kept_matched += g0 >= 0 && match[g1].second == g0 ? w : 0.0;
    }
    if (flows) {
        // Households that changed grid, by (previous grid, new grid), on stderr.
        for (const auto& [pair, w] : shared) {
            if (pair.first != pair.second) {
                std::fprintf(stderr, "%lld -> %lld: %.0f\n", static_cast<long long>(pair.second),
                             static_cast<long long>(pair.first), w);
            }
        }
    }
    std::printf("{\"persisting\": %.0f, \"households_new\": %.0f, \"households_removed\": %.0f, "
                "\"share_kept\": %.6f, \"share_kept_matched\": %.6f}\n",
                persisting, new_only, removed, persisting > 0 ? kept / persisting : 1.0,
                persisting > 0 ? kept_matched / persisting : 1.0);
    return 0;
}
