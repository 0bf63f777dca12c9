#pragma once
// RAII for the GEOS reentrant C API. One GeosContext per thread; every call is checked,
// because the C API turns exceptions into 0, 2 or NULL.

#ifndef GEOS_USE_ONLY_R_API
#define GEOS_USE_ONLY_R_API
#endif
#include <geos_c.h>

#include <memory>
#include <string>
#include <vector>

namespace gridplan::wrap {

class GeosContext;

struct GeomDeleter {
    GEOSContextHandle_t handle = nullptr;
    void operator()(GEOSGeometry* g) const noexcept {
        if (g != nullptr) {
            GEOSGeom_destroy_r(handle, g);
        }
    }
};
using GeomPtr = std::unique_ptr<GEOSGeometry, GeomDeleter>;

struct PreparedDeleter {
    GEOSContextHandle_t handle = nullptr;
    void operator()(const GEOSPreparedGeometry* g) const noexcept {
        if (g != nullptr) {
            GEOSPreparedGeom_destroy_r(handle, g);
        }
    }
};
using PreparedPtr = std::unique_ptr<const GEOSPreparedGeometry, PreparedDeleter>;

struct WkbReaderDeleter {
    GEOSContextHandle_t handle = nullptr;
    void operator()(GEOSWKBReader* r) const noexcept {
        if (r != nullptr) {
            GEOSWKBReader_destroy_r(handle, r);
        }
    }
};

struct WkbWriterDeleter {
    GEOSContextHandle_t handle = nullptr;
    void operator()(GEOSWKBWriter* w) const noexcept {
        if (w != nullptr) {
            GEOSWKBWriter_destroy_r(handle, w);
        }
    }
};

/// A GEOS context whose message handler keeps the last error; movable, not copyable.
class GeosContext {
public:
    GeosContext();
    ~GeosContext();
    GeosContext(const GeosContext&) = delete;
    GeosContext& operator=(const GeosContext&) = delete;
    GeosContext(GeosContext&& other) noexcept;
    GeosContext& operator=(GeosContext&& other) noexcept;

    GEOSContextHandle_t handle() const noexcept { return m_handle; }

    /// Takes ownership of a geometry returned by GEOS; throws GeometryError naming `op` on NULL.
    GeomPtr own(GEOSGeometry* g, const char* op) const;
    /// Same for a geometry that may legitimately be absent (no throw).
    GeomPtr own_nullable(GEOSGeometry* g) const noexcept { return GeomPtr{g, GeomDeleter{m_handle}}; }
    PreparedPtr prepare(const GEOSGeometry* g) const;

    /// Throws GeometryError for a failed call: "geos <op>: <last GEOS message>".
    [[noreturn]] void fail(const char* op) const;
    /// Checks a GEOS predicate/char result (2 means exception).
    bool check_bool(char result, const char* op) const;
    /// Checks an int status result (0 means exception).
    void check_status(int result, const char* op) const;

    const std::string& last_error() const noexcept;

    // Conveniences used across the stages.
    GeomPtr clone(const GEOSGeometry* g) const;
    GeomPtr from_wkb(const unsigned char* data, std::size_t size) const;
    GeomPtr from_wkt(const std::string& wkt) const;
    std::vector<unsigned char> to_wkb(const GEOSGeometry* g) const;
    std::string to_wkt(const GEOSGeometry* g, int decimals = 3) const;
    GeomPtr point(double x, double y) const;
    /// A line string through `xy` (x0, y0, x1, y1, ...; at least two points).
    GeomPtr line(const std::vector<double>& xy) const;
    GeomPtr empty_collection() const;
    /// A collection of the given type owning `parts` (the pointers are released).
    GeomPtr collection(int type, std::vector<GeomPtr>& parts) const;
    /// The unary union of copies of `parts` (`op` names it in an error).
    GeomPtr union_of(const std::vector<const GEOSGeometry*>& parts, const char* op) const;

    double area(const GEOSGeometry* g) const;
    double length(const GEOSGeometry* g) const;
    bool is_valid(const GEOSGeometry* g) const;
    std::string validity_reason(const GEOSGeometry* g) const;
    bool is_empty(const GEOSGeometry* g) const;
    int type_id(const GEOSGeometry* g) const;
    int num_geometries(const GEOSGeometry* g) const;
    /// Envelope as minx, miny, maxx, maxy; returns false for an empty geometry.
    bool bounds(const GEOSGeometry* g, double& minx, double& miny, double& maxx, double& maxy) const;
    /// Point on the surface of a polygonal geometry (inside it), as x, y.
    void point_on_surface(const GEOSGeometry* g, double& x, double& y) const;

    /// Keeps only the polygonal parts of g (after MakeValid, which may return lines);
    /// returns a Polygon or MultiPolygon, possibly empty; `dropped` counts non-polygonal parts.
    GeomPtr polygonal_part(const GEOSGeometry* g, int& dropped) const;
    /// MakeValid (structure method, keeping collapsed parts out) and polygonal_part.
    GeomPtr make_valid_polygonal(const GEOSGeometry* g, int& dropped) const;

    /// All coordinates of g as x, y pairs appended to `out`, ring by ring (for linear parts).
    void coordinates(const GEOSGeometry* g, std::vector<double>& out) const;

private:
    struct Messages;
    GEOSContextHandle_t m_handle = nullptr;
    std::unique_ptr<Messages> m_messages;
};

} // namespace gridplan::wrap
