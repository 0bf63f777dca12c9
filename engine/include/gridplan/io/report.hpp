#pragma once
// The pieces of report.html, one self-contained page a district office opens offline and
// prints: inline SVG maps of working-CRS geometry, histograms, tables that sort on a
// click. Nothing is fetched (no script, font or tile from the network); the text uses the
// CJK fonts Debian installs (fonts-noto-cjk) with the usual fallbacks.

#include "gridplan/io/district.hpp"
#include "gridplan/wrap/geos.hpp"

#include <array>
#include <cstdint>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gridplan::io {

/// Text for HTML content or a quoted attribute: & < > " ' escaped.
std::string html_escape(std::string_view text);

/// A north-up map of working-CRS geometry drawn as inline SVG, one scale for x and y.
/// Shapes are simplified to half a pixel, coordinates written to 0.1 px.
class SvgMap {
public:
    /// Shows the window (minx, miny)-(maxx, maxy), padded by `pad` of its larger side, at
    /// `width_px`; the height follows the window's aspect.
    SvgMap(double minx, double miny, double maxx, double maxy, double width_px, const wrap::GeosContext& geos,
           double pad = 0.02);
    /// Shows the box of `window` (the district, a grid).
    SvgMap(const GEOSGeometry* window, double width_px, const wrap::GeosContext& geos, double pad = 0.02);

    /// A polygonal or linear geometry as one <path>; `attributes` (class="...",
    /// data-...="...") are written as given. Parts smaller than a pixel are left out;
    /// returns false when nothing of `g` was drawn. A `title` shows on hover.
    bool path(const GEOSGeometry* g, const std::string& attributes, std::string_view title = {});
    void circle(double x, double y, double radius_px, const std::string& attributes);
    /// A five-pointed star (a proposed centre) of outer radius `radius_px`.
    void star(double x, double y, double radius_px, const std::string& attributes);
    void text(double x, double y, std::string_view label, const std::string& attributes);
    /// Whether (x, y) lies in the window.
    bool shows(double x, double y) const noexcept;
    /// Whether a box overlaps the window.
    bool overlaps(double minx, double miny, double maxx, double maxy) const noexcept;

    /// The <svg> element, with `attributes` on it.
    std::string svg(const std::string& attributes) const;
    double width_px() const noexcept { return m_width; }
    double height_px() const noexcept { return m_height; }
    /// Pixels per metre.
    double scale() const noexcept { return m_scale; }

private:
    void append_xy(std::string& d, double x, double y) const;
    void append_ring(std::string& d, const GEOSGeometry* ring, bool close, std::vector<double>& xy) const;

    const wrap::GeosContext& m_geos;
    double m_x0 = 0.0;
    double m_y1 = 0.0;
    double m_scale = 1.0;
    double m_width = 0.0;
    double m_height = 0.0;
    double m_minx = 0.0;
    double m_miny = 0.0;
    double m_maxx = 0.0;
    double m_maxy = 0.0;
    std::string m_body;
};

/// What lies under a map's grids: water areas, then streets, roads and rivers (tunnels
/// left out), each tested against the map's window by its box before it is read.
class MapBackground {
public:
    MapBackground(const District& district, const wrap::GeosContext& geos);
    void draw_water(SvgMap& map) const;
    void draw_lines(SvgMap& map) const;

private:
    struct Line {
        const GEOSGeometry* geom;
        std::array<double, 4> box;
        const char* css;
    };
    std::vector<Line> m_water;
    std::vector<Line> m_lines;  ///< streets, then roads, then rivers
};

/// A whole number with thousands separators: 60,000.
std::string thousands(std::int64_t n);

/// A share (0..1) as a percentage: 0.9712 -> "97.1%".
std::string percent(double share, int decimals = 1);

/// A round step near `raw`: 1, 2 or 5 x 10^k (1 when `raw` is not above 0); for
/// histogram bins and axis ticks.
double nice_step(double raw);

/// A histogram as inline SVG: weighted values in bins of `bin_width` from `lo`, the last
/// bin open above; optional shaded band and marked values (the band, the walk radius).
struct Histogram {
    std::string title;
    std::string x_label;
    std::string y_label;
    double lo = 0.0;
    double bin_width = 1.0;
    int bins = 10;
    std::vector<std::pair<double, double>> values;  ///< value, weight
    bool band = false;
    double band_lo = 0.0;
    double band_hi = 0.0;
    std::string band_label;
    std::vector<std::pair<double, std::string>> marks;  ///< x, label
};
std::string histogram_svg(const Histogram& h);

/// One cell of a sortable table: its HTML and the key it sorts by (a number for numeric
/// columns, else the text).
struct TableCell {
    std::string html;
    std::string sort;
};
struct TableColumn {
    std::string title;
    bool numeric = false;
    std::string tip;  ///< what the column means (a tooltip)
};
/// A table whose columns sort on a click on their heading (class "sortable").
std::string table_html(const std::string& id, const std::vector<TableColumn>& columns,
                       const std::vector<std::vector<TableCell>>& rows);

/// Headline figures: each value (text) large over its label.
std::string figures_html(const std::vector<std::pair<std::string, std::string>>& figures);

/// The run's warnings as a list, or "No warnings.".
std::string warnings_html(const std::vector<std::string>& warnings);

/// A definition list of label and value (values already HTML).
std::string key_values_html(const std::vector<std::pair<std::string, std::string>>& items);

/// The fonts the page asks for, in order (listed on the page, with its fallbacks).
const std::vector<std::string>& report_fonts();

/// The whole page: `title`, the styles for screen and print, `body`, a footer naming
/// the fonts, the sorting script.
std::string report_page(const std::string& title, const std::string& body);

} // namespace gridplan::io
