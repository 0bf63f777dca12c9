#include "gridplan/crs/crs.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/wrap/gdal.hpp"

#include <ogr_spatialref.h>

#include <cmath>
#include <cstdio>

namespace gridplan::crs {

namespace {

std::string export_wkt(const OGRSpatialReference& srs, const std::string& what) {
    char* wkt = nullptr;
    const char* options[] = {"FORMAT=WKT2_2019", nullptr};
    if (srs.exportToWkt(&wkt, options) != OGRERR_NONE || wkt == nullptr) {
        CPLFree(wkt);
        throw CrsError{"cannot export " + what + " as WKT"};
    }
    std::string out{wkt};
    CPLFree(wkt);
    return out;
}

std::string label_of(const OGRSpatialReference& srs) {
    const char* auth = srs.GetAuthorityName(nullptr);
    const char* code = srs.GetAuthorityCode(nullptr);
    if (auth != nullptr && code != nullptr) {
        return std::string{auth} + ":" + code;
    }
    const char* name = srs.GetName();
    return name != nullptr ? name : "custom CRS";
}

} // namespace

Crs Crs::from_srs(const OGRSpatialReference& srs) {
    Crs c;
    c.m_wkt = export_wkt(srs, "CRS");
    c.m_label = label_of(srs);
    c.m_geographic = srs.IsGeographic() != 0;
    return c;
}

Crs Crs::from_user_input(const std::string& text) {
    OGRSpatialReference srs;
    wrap::CplMessageCapture capture;
    if (srs.SetFromUserInput(text.c_str()) != OGRERR_NONE) {
        const std::string why = capture.last_error();
        throw CrsError{"unknown CRS '" + text + "'" + (why.empty() ? "" : ": " + why)};
    }
    Crs c = from_srs(srs);
    if (text.rfind("EPSG:", 0) == 0 || text.rfind("epsg:", 0) == 0) {
        c.m_label = "EPSG:" + text.substr(5);
    }
    return c;
}

Crs Crs::wgs84() {
    static const Crs c = from_user_input("EPSG:4326");
    return c;
}

int utm_zone(double lon) noexcept {
    int zone = static_cast<int>(std::floor((lon + 180.0) / 6.0)) + 1;
    if (zone < 1) {
        zone = 1;
    }
    if (zone > 60) {
        zone = 60;
    }
    return zone;
}

Crs Crs::utm_for(double lon, double lat) {
    if (!std::isfinite(lon) || !std::isfinite(lat) || lat < -90.0 || lat > 90.0) {
        throw CrsError{"cannot choose a UTM zone for lon/lat " + std::to_string(lon) + ", " + std::to_string(lat)};
    }
    const int code = (lat >= 0.0 ? 32600 : 32700) + utm_zone(lon);
    return from_user_input("EPSG:" + std::to_string(code));
}

bool Crs::same_as(const Crs& other) const {
    if (m_wkt == other.m_wkt) {
        return true;
    }
    if (empty() || other.empty()) {
        return false;
    }
    OGRSpatialReference a;
    OGRSpatialReference b;
    if (a.importFromWkt(m_wkt.c_str()) != OGRERR_NONE || b.importFromWkt(other.m_wkt.c_str()) != OGRERR_NONE) {
        return false;
    }
    const char* options[] = {"IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES", "CRITERION=EQUIVALENT", nullptr};
    return a.IsSame(&b, options) != 0;
}

std::unique_ptr<OGRSpatialReference> Crs::to_srs() const {
    auto srs = std::make_unique<OGRSpatialReference>();
    if (srs->importFromWkt(m_wkt.c_str()) != OGRERR_NONE) {
        throw CrsError{"cannot build a spatial reference for " + m_label};
    }
    srs->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

Transformer::Transformer(const Crs& from, const Crs& to)
    : m_ctx(wrap::make_proj_context()), m_description(from.label() + " -> " + to.label()) {
    if (from.same_as(to)) {
        m_identity = true;
        return;
    }
    wrap::PjPtr src = wrap::check_pj(m_ctx.get(), proj_create(m_ctx.get(), from.wkt().c_str()), from.label());
    wrap::PjPtr dst = wrap::check_pj(m_ctx.get(), proj_create(m_ctx.get(), to.wkt().c_str()), to.label());
    wrap::PjPtr op = wrap::check_pj(
        m_ctx.get(), proj_create_crs_to_crs_from_pj(m_ctx.get(), src.get(), dst.get(), nullptr, nullptr),
        "no coordinate operation " + m_description);
    m_pj = wrap::check_pj(m_ctx.get(), proj_normalize_for_visualization(m_ctx.get(), op.get()),
                          "normalising axis order for " + m_description);
}

Transformer::~Transformer() {
    m_pj.reset(); // before its context
}

Transformer::Transformer(Transformer&&) noexcept = default;
Transformer& Transformer::operator=(Transformer&&) noexcept = default;

void Transformer::apply(double& x, double& y) const {
    if (m_identity) {
        return;
    }
    PJ_COORD c = proj_coord(x, y, 0.0, 0.0);
    c = proj_trans(m_pj.get(), PJ_FWD, c);
    if (!std::isfinite(c.xy.x) || !std::isfinite(c.xy.y) || c.xy.x == HUGE_VAL) {
        throw CrsError{"cannot transform point (" + std::to_string(x) + ", " + std::to_string(y) + ") " +
                       m_description};
    }
    x = c.xy.x;
    y = c.xy.y;
}

void Transformer::apply(double* xy, std::size_t n) const {
    if (m_identity || n == 0) {
        return;
    }
    const std::size_t stride = 2 * sizeof(double);
    proj_trans_generic(m_pj.get(), PJ_FWD, xy, stride, n, xy + 1, stride, n, nullptr, 0, 0, nullptr, 0, 0);
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(xy[2 * i]) || !std::isfinite(xy[2 * i + 1]) || xy[2 * i] == HUGE_VAL) {
            throw CrsError{"cannot transform a coordinate " + m_description};
        }
    }
}

namespace {

struct TransformState {
    const Transformer* transformer;
};

int transform_callback(double* x, double* y, void* userdata) {
    const auto* state = static_cast<TransformState*>(userdata);
    try {
        state->transformer->apply(*x, *y);
        return 1;
    } catch (const CrsError&) {
        return 0;
    }
}

} // namespace

wrap::GeomPtr Transformer::apply(const wrap::GeosContext& geos, const GEOSGeometry* g) const {
    if (m_identity) {
        return geos.clone(g);
    }
    TransformState state{this};
    GEOSGeometry* out = GEOSGeom_transformXY_r(geos.handle(), g, transform_callback, &state);
    if (out == nullptr) {
        throw CrsError{"cannot transform a geometry " + m_description};
    }
    return geos.own(out, "transform");
}

} // namespace gridplan::crs
