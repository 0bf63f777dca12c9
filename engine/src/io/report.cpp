// The pieces of report.html: inline SVG maps and histograms, sortable tables, the page.
#include "gridplan/io/report.hpp"

#include "gridplan/core/strings.hpp"
#include "gridplan/wrap/gdal.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace gridplan::io {

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

namespace {

/// A pixel value to 0.1, without a trailing ".0".
void append_number(std::string& out, double v) {
    const long long tenths = std::llround(v * 10.0);
    if (tenths < 0) {
        out += '-';
    }
    const long long a = tenths < 0 ? -tenths : tenths;
    out += std::to_string(a / 10);
    if (a % 10 != 0) {
        out += '.';
        out += static_cast<char>('0' + a % 10);
    }
}

std::string px(double v) {
    std::string s;
    append_number(s, v);
    return s;
}

} // namespace

SvgMap::SvgMap(double minx, double miny, double maxx, double maxy, double width_px, const wrap::GeosContext& geos,
               double pad)
    : m_geos(geos) {
    const double side = std::max({maxx - minx, maxy - miny, 1.0});
    minx -= side * pad;
    maxx += side * pad;
    miny -= side * pad;
    maxy += side * pad;
    m_minx = minx;
    m_miny = miny;
    m_maxx = maxx;
    m_maxy = maxy;
    m_x0 = minx;
    m_y1 = maxy;
    m_width = width_px;
    m_scale = width_px / std::max(maxx - minx, 1.0);
    m_height = std::max(1.0, std::round((maxy - miny) * m_scale));
}

namespace {

std::array<double, 4> box_of(const GEOSGeometry* g, const wrap::GeosContext& geos) {
    std::array<double, 4> b{};
    geos.bounds(g, b[0], b[1], b[2], b[3]);
    return b;
}

} // namespace

SvgMap::SvgMap(const GEOSGeometry* window, double width_px, const wrap::GeosContext& geos, double pad)
    : SvgMap(box_of(window, geos)[0], box_of(window, geos)[1], box_of(window, geos)[2], box_of(window, geos)[3],
             width_px, geos, pad) {}

bool SvgMap::shows(double x, double y) const noexcept {
    return x >= m_minx && x <= m_maxx && y >= m_miny && y <= m_maxy;
}

bool SvgMap::overlaps(double minx, double miny, double maxx, double maxy) const noexcept {
    return !(maxx < m_minx || minx > m_maxx || maxy < m_miny || miny > m_maxy);
}

void SvgMap::append_xy(std::string& d, double x, double y) const {
    append_number(d, (x - m_x0) * m_scale);
    d += ',';
    append_number(d, (m_y1 - y) * m_scale);
}

void SvgMap::append_ring(std::string& d, const GEOSGeometry* ring, bool close, std::vector<double>& xy) const {
    xy.clear();
    m_geos.coordinates(ring, xy);
    const std::size_t n = xy.size() / 2;
    if (n < 2) {
        return;
    }
    // Points closer than a pixel to the last one written are dropped (the last one kept).
    double lx = 0.0;
    double ly = 0.0;
    std::size_t written = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double x = xy[2 * i];
        const double y = xy[2 * i + 1];
        const bool last = i + 1 == n;
        if (written > 0 && !last && std::hypot(x - lx, y - ly) * m_scale < 1.0) {
            continue;
        }
        d += written == 0 ? 'M' : 'L';
        append_xy(d, x, y);
        lx = x;
        ly = y;
        ++written;
    }
    if (close) {
        d += 'Z';
    }
}

bool SvgMap::path(const GEOSGeometry* g, const std::string& attributes, std::string_view title) {
    if (g == nullptr || m_geos.is_empty(g)) {
        return false;
    }
    double x0 = 0;
    double y0 = 0;
    double x1 = 0;
    double y1 = 0;
    if (!m_geos.bounds(g, x0, y0, x1, y1) || !overlaps(x0, y0, x1, y1)) {
        return false;
    }
    if (std::max(x1 - x0, y1 - y0) * m_scale < 1.0) {
        return false;
    }
    std::string d;
    std::vector<double> xy;
    std::vector<const GEOSGeometry*> stack{g};
    while (!stack.empty()) {
        const GEOSGeometry* part = stack.back();
        stack.pop_back();
        const int t = m_geos.type_id(part);
        if (t == GEOS_POLYGON) {
            const GEOSGeometry* shell = GEOSGetExteriorRing_r(m_geos.handle(), part);
            double a = 0;
            double b = 0;
            double c = 0;
            double e = 0;
            if (!m_geos.bounds(shell, a, b, c, e) || std::max(c - a, e - b) * m_scale < 1.0) {
                continue;
            }
            append_ring(d, shell, true, xy);
            const int holes = GEOSGetNumInteriorRings_r(m_geos.handle(), part);
            for (int i = 0; i < holes; ++i) {
                append_ring(d, GEOSGetInteriorRingN_r(m_geos.handle(), part, i), true, xy);
            }
        } else if (t == GEOS_LINESTRING || t == GEOS_LINEARRING) {
            append_ring(d, part, false, xy);
        } else if (t != GEOS_POINT) {
            const int n = m_geos.num_geometries(part);
            for (int i = n - 1; i >= 0; --i) {
                stack.push_back(GEOSGetGeometryN_r(m_geos.handle(), part, i));
            }
        }
    }
    if (d.empty()) {
        return false;
    }
    m_body += "<path " + attributes + " d=\"" + d + "\"" +
              (title.empty() ? "/>\n" : "><title>" + html_escape(title) + "</title></path>\n");
    return true;
}

void SvgMap::circle(double x, double y, double radius_px, const std::string& attributes) {
    std::string s = "<circle " + attributes + " cx=\"";
    append_number(s, (x - m_x0) * m_scale);
    s += "\" cy=\"";
    append_number(s, (m_y1 - y) * m_scale);
    s += "\" r=\"" + px(radius_px) + "\"/>\n";
    m_body += s;
}

void SvgMap::star(double x, double y, double radius_px, const std::string& attributes) {
    const double cx = (x - m_x0) * m_scale;
    const double cy = (m_y1 - y) * m_scale;
    std::string points;
    for (int k = 0; k < 10; ++k) {
        const double r = k % 2 == 0 ? radius_px : radius_px * 0.45;
        const double angle = -M_PI / 2.0 + k * M_PI / 5.0;
        if (k > 0) {
            points += ' ';
        }
        append_number(points, cx + r * std::cos(angle));
        points += ',';
        append_number(points, cy + r * std::sin(angle));
    }
    m_body += "<polygon " + attributes + " points=\"" + points + "\"/>\n";
}

void SvgMap::text(double x, double y, std::string_view label, const std::string& attributes) {
    std::string s = "<text " + attributes + " x=\"";
    append_number(s, (x - m_x0) * m_scale);
    s += "\" y=\"";
    append_number(s, (m_y1 - y) * m_scale);
    s += "\">" + html_escape(label) + "</text>\n";
    m_body += s;
}

std::string SvgMap::svg(const std::string& attributes) const {
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" " + attributes + " viewBox=\"0 0 " + px(m_width) + " " +
           px(m_height) + "\" width=\"" + px(m_width) + "\" height=\"" + px(m_height) + "\">\n" + m_body + "</svg>\n";
}


MapBackground::MapBackground(const District& district, const wrap::GeosContext& geos) {
    for (const auto& w : district.water) {
        m_water.push_back({w.geom.get(), box_of(w.geom.get(), geos), "water"});
    }
    for (const BarrierClass cls : {BarrierClass::street, BarrierClass::road, BarrierClass::river}) {
        for (const auto& b : district.barriers) {
            if (b.cls == cls && !b.tunnel) {
                m_lines.push_back({b.geom.get(), box_of(b.geom.get(), geos),
                                 cls == BarrierClass::river ? "river" : cls == BarrierClass::road ? "road" : "street"});
            }
        }
    }
}

void MapBackground::draw_water(SvgMap& map) const {
    for (const auto& w : m_water) {
        if (map.overlaps(w.box[0], w.box[1], w.box[2], w.box[3])) {
            map.path(w.geom, "class=\"water\"");
        }
    }
}

void MapBackground::draw_lines(SvgMap& map) const {
    for (const auto& l : m_lines) {
        if (map.overlaps(l.box[0], l.box[1], l.box[2], l.box[3])) {
            map.path(l.geom, std::string{"class=\""} + l.css + "\"");
        }
    }
}

/// A whole number with thousands separators: 60,000.
std::string thousands(std::int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (std::size_t k = 0; k < digits.size(); ++k) {
        if (k > 0 && (digits.size() - k) % 3 == 0) {
            out += ',';
        }
        out += digits[k];
    }
    return (n < 0 ? "-" : "") + out;
}

std::string percent(double share, int decimals) { return format_fixed(100.0 * share, decimals) + "%"; }

double nice_step(double raw) {
    if (!(raw > 0.0)) {
        return 1.0;
    }
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    const double m = raw / p;
    return (m < 1.5 ? 1.0 : m < 3.5 ? 2.0 : m < 7.5 ? 5.0 : 10.0) * p;
}

std::string histogram_svg(const Histogram& h) {
    const int bins = std::max(1, h.bins);
    std::vector<double> count(static_cast<std::size_t>(bins), 0.0);
    for (const auto& [v, w] : h.values) {
        if (!std::isfinite(v)) {
            continue;
        }
        const int k = std::clamp(static_cast<int>(std::floor((v - h.lo) / h.bin_width)), 0, bins - 1);
        count[static_cast<std::size_t>(k)] += w;
    }
    const double top = std::max(1.0, *std::max_element(count.begin(), count.end()));
    const double W = 520.0;
    const double H = 220.0;
    const double left = 56.0;
    const double right = 12.0;
    const double upper = 28.0;
    const double lower = 42.0;
    const double pw = W - left - right;
    const double ph = H - upper - lower;
    const double hi = h.lo + bins * h.bin_width;
    auto xs = [&](double v) { return left + (std::clamp(v, h.lo, hi) - h.lo) / (hi - h.lo) * pw; };
    std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"histogram\" viewBox=\"0 0 " + px(W) + " " +
                    px(H) + "\" width=\"" + px(W) + "\" height=\"" + px(H) + "\" role=\"img\" aria-label=\"" +
                    html_escape(h.title) + "\">\n";
    s += "<text class=\"h-title\" x=\"" + px(left) + "\" y=\"16\">" + html_escape(h.title) + "</text>\n";
    if (h.band) {
        s += "<rect class=\"h-band\" x=\"" + px(xs(h.band_lo)) + "\" y=\"" + px(upper) + "\" width=\"" +
             px(xs(h.band_hi) - xs(h.band_lo)) + "\" height=\"" + px(ph) + "\"><title>" + html_escape(h.band_label) +
             "</title></rect>\n";
    }
    for (int k = 0; k < bins; ++k) {
        const double c = count[static_cast<std::size_t>(k)];
        const double bh = c / top * ph;
        const double x = left + k * pw / bins;
        s += "<rect class=\"h-bar\" x=\"" + px(x + 0.5) + "\" y=\"" + px(upper + ph - bh) + "\" width=\"" +
             px(std::max(0.5, pw / bins - 1.0)) + "\" height=\"" + px(bh) + "\"><title>" +
             html_escape(format_fixed(h.lo + k * h.bin_width, 0) + (k + 1 == bins ? " and above" : "–" + format_fixed(h.lo + (k + 1) * h.bin_width, 0)) +
                         ": " + format_fixed(c, 0)) +
             "</title></rect>\n";
    }
    for (const auto& [x, label] : h.marks) {
        s += "<line class=\"h-mark\" x1=\"" + px(xs(x)) + "\" x2=\"" + px(xs(x)) + "\" y1=\"" + px(upper - 4) +
             "\" y2=\"" + px(upper + ph) + "\"/><text class=\"h-mark-label\" x=\"" + px(xs(x) + 3) + "\" y=\"" +
             px(upper + 6) + "\">" + html_escape(label) + "</text>\n";
    }
    // Axes: the baseline with five ticks, the count axis with its top.
    s += "<line class=\"h-axis\" x1=\"" + px(left) + "\" x2=\"" + px(left + pw) + "\" y1=\"" + px(upper + ph) +
         "\" y2=\"" + px(upper + ph) + "\"/>\n";
    // Ticks at a round step (1, 2 or 5 x 10^k) giving four to eight of them.
    const double step = nice_step((hi - h.lo) / 5.0);
    for (double v = std::ceil(h.lo / step - 1e-9) * step; v <= hi + 1e-9; v += step) {
        s += "<text class=\"h-tick\" x=\"" + px(xs(v)) + "\" y=\"" + px(upper + ph + 14) + "\">" +
             format_fixed(v, step >= 1.0 ? 0 : 1) + "</text>\n";
    }
    s += "<text class=\"h-tick\" x=\"" + px(left - 4) + "\" y=\"" + px(upper + 4) + "\" text-anchor=\"end\">" +
         format_fixed(top, 0) + "</text>\n";
    s += "<text class=\"h-label\" x=\"" + px(left + pw / 2) + "\" y=\"" + px(H - 6) + "\">" + html_escape(h.x_label) +
         "</text>\n";
    s += "<text class=\"h-label\" transform=\"rotate(-90)\" x=\"" + px(-(upper + ph / 2)) + "\" y=\"14\">" +
         html_escape(h.y_label) + "</text>\n";
    s += "</svg>\n";
    return s;
}

std::string table_html(const std::string& id, const std::vector<TableColumn>& columns,
                       const std::vector<std::vector<TableCell>>& rows) {
    std::string s = "<table class=\"sortable\" id=\"" + html_escape(id) + "\">\n<thead><tr>";
    for (const auto& c : columns) {
        s += "<th" + std::string{c.numeric ? " class=\"num\" data-numeric=\"1\"" : ""} +
             (c.tip.empty() ? "" : " title=\"" + html_escape(c.tip) + "\"") + ">" + html_escape(c.title) + "</th>";
    }
    s += "</tr></thead>\n<tbody>\n";
    for (const auto& row : rows) {
        s += "<tr>";
        for (std::size_t k = 0; k < row.size(); ++k) {
            const bool numeric = k < columns.size() && columns[k].numeric;
            s += "<td" + std::string{numeric ? " class=\"num\"" : ""} + " data-sort=\"" + html_escape(row[k].sort) +
                 "\">" + row[k].html + "</td>";
        }
        s += "</tr>\n";
    }
    s += "</tbody></table>\n";
    return s;
}

std::string figures_html(const std::vector<std::pair<std::string, std::string>>& figures) {
    std::string s = "<div class=\"figures\">\n";
    for (const auto& [label, value] : figures) {
        s += "<div class=\"figure\"><b>" + html_escape(value) + "</b><span>" + html_escape(label) + "</span></div>\n";
    }
    return s + "</div>\n";
}

std::string warnings_html(const std::vector<std::string>& warnings) {
    if (warnings.empty()) {
        return "<p>No warnings.</p>\n";
    }
    std::string s = "<h3>Warnings (" + std::to_string(warnings.size()) + ")</h3>\n<ul class=\"warn\">";
    for (const auto& w : warnings) {
        s += "<li>" + html_escape(wrap::mask_password(w)) + "</li>";
    }
    return s + "</ul>\n";
}

std::string key_values_html(const std::vector<std::pair<std::string, std::string>>& items) {
    std::string s = "<dl class=\"kv\">\n";
    for (const auto& [k, v] : items) {
        s += "<dt>" + html_escape(k) + "</dt><dd>" + v + "</dd>\n";
    }
    return s + "</dl>\n";
}

const std::vector<std::string>& report_fonts() {
    static const std::vector<std::string> fonts{"Noto Sans CJK SC", "Noto Sans SC",   "Source Han Sans SC",
                                                "PingFang SC",      "Microsoft YaHei", "WenQuanYi Micro Hei",
                                                "DejaVu Sans",      "sans-serif"};
    return fonts;
}

std::string report_page(const std::string& title, const std::string& body) {
    std::string family;
    for (const auto& f : report_fonts()) {
        family += (family.empty() ? "" : ", ") + (f == "sans-serif" ? f : "\"" + f + "\"");
    }
    std::string s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<meta name=\"generator\" content=\"gridplan\">\n<title>" +
                     html_escape(title) + "</title>\n<style>\n";
    s += "body{font-family:" + family +
         ";margin:0 auto;max-width:1180px;padding:16px 24px;color:#222;font-size:14px;line-height:1.4}\n"
         "h1{font-size:22px;margin:4px 0 8px}h2{font-size:18px;margin:24px 0 8px;border-bottom:1px solid #ccc}\n"
         "h3{font-size:15px;margin:12px 0 6px}\n"
         ".figures{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}\n"
         ".figure{border:1px solid #ddd;border-radius:4px;padding:6px 10px;min-width:130px}\n"
         ".figure b{display:block;font-size:18px}.figure span{color:#555;font-size:12px}\n"
         ".bad{color:#b2182b}.good{color:#1a7f37}\n"
         "table{border-collapse:collapse;font-size:12px;width:100%}th,td{border:1px solid #ddd;padding:3px 5px;"
         "vertical-align:top}\n"
         "th{background:#f3f3f3;text-align:left}table.sortable th{cursor:pointer;user-select:none}\n"
         "th.sorted-asc::after{content:\" \\25B2\"}th.sorted-desc::after{content:\" \\25BC\"}\n"
         "td.num,th.num{text-align:right;white-space:nowrap}\n"
         "dl.kv{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:4px 0}dl.kv dt{color:#555}"
         "dl.kv dd{margin:0;word-break:break-all}\n"
         ".maps{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}.legend{font-size:12px}\n"
         ".legend div{margin:2px 0}.sw{display:inline-block;width:14px;height:10px;margin-right:6px;"
         "vertical-align:middle;border:1px solid #555}\n"
         "svg{max-width:100%;height:auto}svg text{font-family:inherit}\n"
         "svg .grid{stroke:#333;stroke-width:1.2}svg .grid:hover{stroke:#000;stroke-width:2.5}\n"
         "svg .other-grid{fill:#f4f4f4;stroke:#999;stroke-width:0.8}\n"
         "svg .water{fill:#a6cee3;stroke:none}svg .river{fill:none;stroke:#1f78b4;stroke-width:1.6}\n"
         "svg .service-area{fill:#74a9cf;fill-opacity:0.35;stroke:#2b8cbe;stroke-width:0.5}"
         "svg .grid-outline{fill:none;stroke:#333;stroke-width:1.5}\n"
         "svg .road{fill:none;stroke:#555;stroke-width:0.9}svg .street{fill:none;stroke:#888;stroke-width:0.5}\n"
         "svg .boundary{fill:none;stroke:#000;stroke-width:1.5;stroke-dasharray:6 3}\n"
         "svg .uncovered{fill:#e31a1c;stroke:none}svg .changed{fill:#c51b7d;fill-opacity:0.45;stroke:#c51b7d;"
         "stroke-width:0.6}\n"
         "svg .centre{fill:#1a9641;stroke:#fff;stroke-width:1}svg .proposed{fill:#d7191c;stroke:#fff;"
         "stroke-width:1}\n"
         "svg .label{font-size:12px;font-weight:bold;text-anchor:middle;fill:#111;paint-order:stroke;stroke:#fff;"
         "stroke-width:3px}\n"
         ".histogram .h-bar{fill:#6a8fb5}.histogram .h-band{fill:#b8e186;fill-opacity:0.45}"
         ".histogram .h-mark{stroke:#d7191c;stroke-width:1.5;stroke-dasharray:4 2}\n"
         ".histogram .h-axis{stroke:#333}.histogram text{font-size:11px;fill:#333}.histogram .h-tick{text-anchor:middle}"
         ".histogram .h-label{text-anchor:middle}.histogram .h-title{font-size:13px;font-weight:bold}"
         ".histogram .h-mark-label{fill:#d7191c}\n"
         ".sheet{border-top:2px solid #333;margin-top:28px;padding-top:8px}.sheet .back{font-size:12px}\n"
         ".warn li{margin:2px 0}.small{font-size:12px;color:#555}\n"
         "@media print{body{max-width:none;padding:0}.noprint{display:none}"
         ".sheet{break-before:page;page-break-before:always;border-top:none}"
         "table{font-size:10px}a{color:inherit;text-decoration:none}}\n"
         "</style>\n</head>\n<body>\n";
    s += body;
    std::string fonts;
    for (const auto& f : report_fonts()) {
        fonts += (fonts.empty() ? "" : ", ") + f;
    }
    s += "<p class=\"small\">Written by gridplan. Fonts, in order of preference: " + html_escape(fonts) +
         "; Chinese text needs one of the first six (Debian: fonts-noto-cjk).</p>\n";
    // Sorting: a click on a heading sorts the rows by that column's data-sort keys
    // (numbers for numeric columns), a second click reverses.
    s += "<script>\n"
         "document.querySelectorAll('table.sortable').forEach(function(t){\n"
         " t.querySelectorAll('th').forEach(function(th,i){\n"
         "  th.addEventListener('click',function(){\n"
         "   var asc=!th.classList.contains('sorted-asc');\n"
         "   t.querySelectorAll('th').forEach(function(h){h.classList.remove('sorted-asc','sorted-desc');});\n"
         "   th.classList.add(asc?'sorted-asc':'sorted-desc');\n"
         "   var num=th.dataset.numeric==='1', body=t.tBodies[0];\n"
         "   var rows=Array.prototype.slice.call(body.rows);\n"
         "   rows.sort(function(a,b){var x=a.cells[i].dataset.sort,y=b.cells[i].dataset.sort;\n"
         "    var c=num?((x===''?-Infinity:+x)-(y===''?-Infinity:+y)):x.localeCompare(y);return asc?c:-c;});\n"
         "   rows.forEach(function(r){body.appendChild(r);});\n"
         "  });\n"
         " });\n"
         "});\n"
         "</script>\n</body>\n</html>\n";
    return s;
}

} // namespace gridplan::io
