#include "gridplan/wrap/geos.hpp"

#include "gridplan/core/error.hpp"

#include <cstdarg>
#include <cstdio>

namespace gridplan::wrap {

struct GeosContext::Messages {
    std::string last_error;
    std::string last_notice;
};

namespace {

void error_handler(const char* message, void* userdata) {
    auto* m = static_cast<std::string*>(userdata);
    *m = message != nullptr ? message : "";
}

} // namespace

GeosContext::GeosContext() : m_messages(std::make_unique<Messages>()) {
    m_handle = GEOS_init_r();
    if (m_handle == nullptr) {
        throw InternalError{"cannot initialise a GEOS context"};
    }
    GEOSContext_setErrorMessageHandler_r(m_handle, error_handler, &m_messages->last_error);
    GEOSContext_setNoticeMessageHandler_r(m_handle, error_handler, &m_messages->last_notice);
}

GeosContext::~GeosContext() {
    if (m_handle != nullptr) {
        GEOS_finish_r(m_handle);
    }
}

GeosContext::GeosContext(GeosContext&& other) noexcept
    : m_handle(other.m_handle), m_messages(std::move(other.m_messages)) {
    other.m_handle = nullptr;
}

GeosContext& GeosContext::operator=(GeosContext&& other) noexcept {
    if (this != &other) {
        if (m_handle != nullptr) {
            GEOS_finish_r(m_handle);
        }
        m_handle = other.m_handle;
        m_messages = std::move(other.m_messages);
        other.m_handle = nullptr;
    }
    return *this;
}

const std::string& GeosContext::last_error() const noexcept { return m_messages->last_error; }

void GeosContext::fail(const char* op) const {
    const std::string msg = m_messages->last_error.empty() ? "failed" : m_messages->last_error;
    m_messages->last_error.clear();
    throw GeometryError{"geos", std::string{op} + ": " + msg};
}

GeomPtr GeosContext::own(GEOSGeometry* g, const char* op) const {
    if (g == nullptr) {
        fail(op);
    }
    return GeomPtr{g, GeomDeleter{m_handle}};
}

PreparedPtr GeosContext::prepare(const GEOSGeometry* g) const {
    const GEOSPreparedGeometry* p = GEOSPrepare_r(m_handle, g);
    if (p == nullptr) {
        fail("GEOSPrepare");
    }
    return PreparedPtr{p, PreparedDeleter{m_handle}};
}

bool GeosContext::check_bool(char result, const char* op) const {
    if (result == 2) {
        fail(op);
    }
    return result == 1;
}

void GeosContext::check_status(int result, const char* op) const {
    if (result == 0) {
        fail(op);
    }
}

GeomPtr GeosContext::clone(const GEOSGeometry* g) const { return own(GEOSGeom_clone_r(m_handle, g), "clone"); }

GeomPtr GeosContext::from_wkb(const unsigned char* data, std::size_t size) const {
    std::unique_ptr<GEOSWKBReader, WkbReaderDeleter> reader{GEOSWKBReader_create_r(m_handle),
                                                            WkbReaderDeleter{m_handle}};
    return own(GEOSWKBReader_read_r(m_handle, reader.get(), data, size), "read WKB");
}

GeomPtr GeosContext::from_wkt(const std::string& wkt) const {
    GEOSWKTReader* reader = GEOSWKTReader_create_r(m_handle);
    GEOSGeometry* g = GEOSWKTReader_read_r(m_handle, reader, wkt.c_str());
    GEOSWKTReader_destroy_r(m_handle, reader);
    return own(g, "read WKT");
}

std::vector<unsigned char> GeosContext::to_wkb(const GEOSGeometry* g) const {
    std::unique_ptr<GEOSWKBWriter, WkbWriterDeleter> writer{GEOSWKBWriter_create_r(m_handle),
                                                            WkbWriterDeleter{m_handle}};
    GEOSWKBWriter_setByteOrder_r(m_handle, writer.get(), GEOS_WKB_NDR);
    std::size_t size = 0;
    unsigned char* buffer = GEOSWKBWriter_write_r(m_handle, writer.get(), g, &size);
    if (buffer == nullptr) {
        fail("write WKB");
    }
    std::vector<unsigned char> out(buffer, buffer + size);
    GEOSFree_r(m_handle, buffer);
    return out;
}

std::string GeosContext::to_wkt(const GEOSGeometry* g, int decimals) const {
    GEOSWKTWriter* writer = GEOSWKTWriter_create_r(m_handle);
    GEOSWKTWriter_setRoundingPrecision_r(m_handle, writer, decimals);
    GEOSWKTWriter_setTrim_r(m_handle, writer, 1);
    char* text = GEOSWKTWriter_write_r(m_handle, writer, g);
    GEOSWKTWriter_destroy_r(m_handle, writer);
    if (text == nullptr) {
        fail("write WKT");
    }
    std::string out{text};
    GEOSFree_r(m_handle, text);
    return out;
}

GeomPtr GeosContext::point(double x, double y) const {
    return own(GEOSGeom_createPointFromXY_r(m_handle, x, y), "create point");
}

GeomPtr GeosContext::line(const std::vector<double>& xy) const {
    if (xy.size() < 4 || xy.size() % 2 != 0) {
        throw GeometryError{"create line", "needs at least two points"};
    }
    GEOSCoordSequence* seq =
        GEOSCoordSeq_copyFromBuffer_r(m_handle, xy.data(), static_cast<unsigned>(xy.size() / 2), 0, 0);
    if (seq == nullptr) {
        throw GeometryError{"create line", "GEOS could not create a coordinate sequence"};
    }
    return own(GEOSGeom_createLineString_r(m_handle, seq), "create line");
}

GeomPtr GeosContext::union_of(const std::vector<const GEOSGeometry*>& parts, const char* op) const {
    std::vector<GeomPtr> copies;
    copies.reserve(parts.size());
    for (const auto* p : parts) {
        copies.push_back(clone(p));
    }
    GeomPtr all = collection(GEOS_GEOMETRYCOLLECTION, copies);
    return own(GEOSUnaryUnion_r(m_handle, all.get()), op);
}

GeomPtr GeosContext::empty_collection() const {
    return own(GEOSGeom_createEmptyCollection_r(m_handle, GEOS_GEOMETRYCOLLECTION), "create collection");
}

GeomPtr GeosContext::collection(int type, std::vector<GeomPtr>& parts) const {
    std::vector<GEOSGeometry*> raw;
    raw.reserve(parts.size());
    for (auto& p : parts) {
        raw.push_back(p.get());
    }
    GEOSGeometry* c =
        GEOSGeom_createCollection_r(m_handle, type, raw.data(), static_cast<unsigned int>(raw.size()));
    if (c == nullptr) {
        fail("create collection");
    }
    for (auto& p : parts) {
        (void)p.release(); // now owned by the collection
    }
    parts.clear();
    return GeomPtr{c, GeomDeleter{m_handle}};
}

double GeosContext::area(const GEOSGeometry* g) const {
    double a = 0.0;
    check_status(GEOSArea_r(m_handle, g, &a), "area");
    return a;
}

double GeosContext::length(const GEOSGeometry* g) const {
    double l = 0.0;
    check_status(GEOSLength_r(m_handle, g, &l), "length");
    return l;
}

bool GeosContext::is_valid(const GEOSGeometry* g) const { return check_bool(GEOSisValid_r(m_handle, g), "isValid"); }

std::string GeosContext::validity_reason(const GEOSGeometry* g) const {
    char* reason = GEOSisValidReason_r(m_handle, g);
    if (reason == nullptr) {
        fail("isValidReason");
    }
    std::string out{reason};
    GEOSFree_r(m_handle, reason);
    return out;
}

bool GeosContext::is_empty(const GEOSGeometry* g) const { return check_bool(GEOSisEmpty_r(m_handle, g), "isEmpty"); }

int GeosContext::type_id(const GEOSGeometry* g) const {
    const int t = GEOSGeomTypeId_r(m_handle, g);
    if (t < 0) {
        fail("type id");
    }
    return t;
}

int GeosContext::num_geometries(const GEOSGeometry* g) const {
    const int n = GEOSGetNumGeometries_r(m_handle, g);
    if (n < 0) {
        fail("number of geometries");
    }
    return n;
}

bool GeosContext::bounds(const GEOSGeometry* g, double& minx, double& miny, double& maxx, double& maxy) const {
    if (is_empty(g)) {
        return false;
    }
    check_status(GEOSGeom_getXMin_r(m_handle, g, &minx), "xmin");
    check_status(GEOSGeom_getYMin_r(m_handle, g, &miny), "ymin");
    check_status(GEOSGeom_getXMax_r(m_handle, g, &maxx), "xmax");
    check_status(GEOSGeom_getYMax_r(m_handle, g, &maxy), "ymax");
    return true;
}

void GeosContext::point_on_surface(const GEOSGeometry* g, double& x, double& y) const {
    GeomPtr p = own(GEOSPointOnSurface_r(m_handle, g), "point on surface");
    if (is_empty(p.get())) {
        throw GeometryError{"geos", "point on surface of an empty geometry"};
    }
    check_status(GEOSGeomGetX_r(m_handle, p.get(), &x), "x");
    check_status(GEOSGeomGetY_r(m_handle, p.get(), &y), "y");
}

namespace {

void collect_polygons(GEOSContextHandle_t h, const GeosContext& ctx, const GEOSGeometry* g,
                      std::vector<GeomPtr>& out, int& dropped) {
    const int t = ctx.type_id(g);
    if (t == GEOS_POLYGON) {
        if (!ctx.is_empty(g)) {
            out.push_back(ctx.clone(g));
        }
        return;
    }
    if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
        const int n = ctx.num_geometries(g);
        for (int i = 0; i < n; ++i) {
            collect_polygons(h, ctx, GEOSGetGeometryN_r(h, g, i), out, dropped);
        }
        return;
    }
    if (!ctx.is_empty(g)) {
        ++dropped;
    }
}

} // namespace

GeomPtr GeosContext::polygonal_part(const GEOSGeometry* g, int& dropped) const {
    std::vector<GeomPtr> parts;
    collect_polygons(m_handle, *this, g, parts, dropped);
    if (parts.size() == 1) {
        return std::move(parts.front());
    }
    return collection(GEOS_MULTIPOLYGON, parts);
}

GeomPtr GeosContext::make_valid_polygonal(const GEOSGeometry* g, int& dropped) const {
    GEOSMakeValidParams* params = GEOSMakeValidParams_create_r(m_handle);
    GEOSMakeValidParams_setMethod_r(m_handle, params, GEOS_MAKE_VALID_STRUCTURE);
    GEOSMakeValidParams_setKeepCollapsed_r(m_handle, params, 0);
    GEOSGeometry* fixed = GEOSMakeValidWithParams_r(m_handle, g, params);
    GEOSMakeValidParams_destroy_r(m_handle, params);
    GeomPtr owned = own(fixed, "make valid");
    return polygonal_part(owned.get(), dropped);
}

void GeosContext::coordinates(const GEOSGeometry* g, std::vector<double>& out) const {
    const int t = type_id(g);
    if (t == GEOS_POINT || t == GEOS_LINESTRING || t == GEOS_LINEARRING) {
        const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(m_handle, g);
        if (seq == nullptr) {
            fail("coordinate sequence");
        }
        unsigned int n = 0;
        check_status(GEOSCoordSeq_getSize_r(m_handle, seq, &n), "sequence size");
        const std::size_t start = out.size();
        out.resize(start + 2 * std::size_t{n});
        if (n > 0) {
            check_status(GEOSCoordSeq_copyToBuffer_r(m_handle, seq, out.data() + start, 0, 0), "copy coordinates");
        }
        return;
    }
    if (t == GEOS_POLYGON) {
        coordinates(GEOSGetExteriorRing_r(m_handle, g), out);
        const int holes = GEOSGetNumInteriorRings_r(m_handle, g);
        for (int i = 0; i < holes; ++i) {
            coordinates(GEOSGetInteriorRingN_r(m_handle, g, i), out);
        }
        return;
    }
    const int n = num_geometries(g);
    for (int i = 0; i < n; ++i) {
        coordinates(GEOSGetGeometryN_r(m_handle, g, i), out);
    }
}

} // namespace gridplan::wrap
