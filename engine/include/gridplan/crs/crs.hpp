#pragma once
// Coordinate reference systems: the local metric working CRS, and transformations
// between it and the inputs' and outputs' CRSs (through PROJ, lon/lat and
// easting/northing order throughout, whatever the CRS definitions say).

#include "gridplan/wrap/geos.hpp"
#include "gridplan/wrap/proj.hpp"

#include <memory>
#include <string>

class OGRSpatialReference;

namespace gridplan::crs {

/// A CRS known by its WKT (and a label for messages such as "EPSG:32650").
class Crs {
public:
    Crs() = default;

    /// "EPSG:4549", a PROJ string, WKT: anything OGRSpatialReference::SetFromUserInput takes.
    static Crs from_user_input(const std::string& text);
    /// From a layer's spatial reference.
    static Crs from_srs(const OGRSpatialReference& srs);
    static Crs wgs84();
    /// WGS 84 / UTM zone of (lon, lat): EPSG:326xx north, 327xx south.
    static Crs utm_for(double lon, double lat);

    bool empty() const noexcept { return m_wkt.empty(); }
    const std::string& wkt() const noexcept { return m_wkt; }
    const std::string& label() const noexcept { return m_label; }
    bool is_geographic() const noexcept { return m_geographic; }
    /// True when both describe the same CRS.
    bool same_as(const Crs& other) const;

    /// A new OGRSpatialReference (traditional GIS axis order) for writing layers.
    std::unique_ptr<OGRSpatialReference> to_srs() const;

private:
    std::string m_wkt;
    std::string m_label;
    bool m_geographic = false;
};

/// UTM zone number (1..60) of a longitude.
int utm_zone(double lon) noexcept;

/// A coordinate operation between two CRSs; owns its PROJ context (not thread-safe).
class Transformer {
public:
    Transformer(const Crs& from, const Crs& to);
    ~Transformer();
    Transformer(Transformer&&) noexcept;
    Transformer& operator=(Transformer&&) noexcept;
    Transformer(const Transformer&) = delete;
    Transformer& operator=(const Transformer&) = delete;

    bool is_identity() const noexcept { return m_identity; }

    /// Transforms one point in place; throws CrsError if PROJ cannot.
    void apply(double& x, double& y) const;
    /// Transforms `n` interleaved x, y pairs in place.
    void apply(double* xy, std::size_t n) const;
    /// A transformed copy of a GEOS geometry.
    wrap::GeomPtr apply(const wrap::GeosContext& geos, const GEOSGeometry* g) const;

private:
    wrap::ProjContextPtr m_ctx;
    wrap::PjPtr m_pj;
    bool m_identity = false;
    std::string m_description;
};

} // namespace gridplan::crs
