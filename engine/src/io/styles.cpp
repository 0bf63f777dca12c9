// QML styles: the symbols, renderers and labels of QGIS's style format (as QGIS 3.22
// writes them), and their place beside a product's layers.
#include "gridplan/io/styles.hpp"

#include "gridplan/core/strings.hpp"

#include <ogr_core.h>

#include <set>
#include <sstream>

namespace gridplan::io {

namespace {

std::string escape(const std::string& s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string colour(Rgb c, int alpha = 255) {
    return std::to_string(c.r) + "," + std::to_string(c.g) + "," + std::to_string(c.b) + "," + std::to_string(alpha);
}

std::string prop(const std::string& k, const std::string& v) {
    return "<prop k=\"" + escape(k) + "\" v=\"" + escape(v) + "\"/>";
}

std::string number(double v) { return format_fixed(v, 2); }

/// A symbol element named `name` (the renderer's key for it).
std::string named(const QmlSymbol& s, const std::string& name) {
    return "<symbol name=\"" + escape(name) + "\"" + s.xml.substr(std::string{"<symbol"}.size());
}

} // namespace

QmlSymbol fill_symbol(Rgb fill, double fill_alpha, Rgb outline, double outline_mm) {
    const int alpha = static_cast<int>(255.0 * fill_alpha + 0.5);
    return {"<symbol type=\"fill\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">"
            "<layer class=\"SimpleFill\" enabled=\"1\" locked=\"0\" pass=\"0\">" +
            prop("color", colour(fill, alpha)) + prop("outline_color", colour(outline)) +
            prop("outline_style", "solid") + prop("outline_width", number(outline_mm)) +
            prop("outline_width_unit", "MM") + prop("style", "solid") + "</layer></symbol>"};
}

QmlSymbol line_symbol(Rgb c, double width_mm, bool dash) {
    return {"<symbol type=\"line\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">"
            "<layer class=\"SimpleLine\" enabled=\"1\" locked=\"0\" pass=\"0\">" +
            prop("line_color", colour(c)) + prop("line_style", dash ? "dash" : "solid") +
            prop("line_width", number(width_mm)) + prop("line_width_unit", "MM") + prop("capstyle", "round") +
            prop("joinstyle", "round") + "</layer></symbol>"};
}

QmlSymbol marker_symbol(const std::string& shape, Rgb fill, double size_mm, Rgb outline) {
    return {"<symbol type=\"marker\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">"
            "<layer class=\"SimpleMarker\" enabled=\"1\" locked=\"0\" pass=\"0\">" +
            prop("name", shape) + prop("color", colour(fill)) + prop("outline_color", colour(outline)) +
            prop("outline_style", "solid") + prop("outline_width", "0.3") + prop("outline_width_unit", "MM") +
            prop("size", number(size_mm)) + prop("size_unit", "MM") + "</layer></symbol>"};
}

std::string single_renderer(const QmlSymbol& symbol) {
    return "<renderer-v2 type=\"singleSymbol\" symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\"><symbols>" +
           named(symbol, "0") + "</symbols></renderer-v2>";
}

std::string categorized_renderer(const std::string& attribute, const std::vector<QmlCategory>& categories) {
    std::string cats;
    std::string symbols;
    for (std::size_t k = 0; k < categories.size(); ++k) {
        const std::string key = std::to_string(k);
        cats += "<category render=\"true\" symbol=\"" + key + "\" value=\"" + escape(categories[k].value) +
                "\" label=\"" + escape(categories[k].label) + "\"/>";
        symbols += named(categories[k].symbol, key);
    }
    return "<renderer-v2 type=\"categorizedSymbol\" attr=\"" + escape(attribute) +
           "\" symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\"><categories>" + cats +
           "</categories><symbols>" + symbols + "</symbols></renderer-v2>";
}

std::string graduated_renderer(const std::string& attribute, const std::vector<QmlRange>& ranges) {
    std::string rs;
    std::string symbols;
    for (std::size_t k = 0; k < ranges.size(); ++k) {
        const std::string key = std::to_string(k);
        rs += "<range render=\"true\" symbol=\"" + key + "\" lower=\"" + format_fixed(ranges[k].lower, 6) +
              "\" upper=\"" + format_fixed(ranges[k].upper, 6) + "\" label=\"" + escape(ranges[k].label) + "\"/>";
        symbols += named(ranges[k].symbol, key);
    }
    return "<renderer-v2 type=\"graduatedSymbol\" attr=\"" + escape(attribute) +
           "\" graduatedMethod=\"GraduatedColor\" symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\"><ranges>" +
           rs + "</ranges><symbols>" + symbols + "</symbols><mode name=\"manual\"/></renderer-v2>";
}

std::string expression_labels(const std::string& expression, double size) {
    return "<labeling type=\"simple\"><settings calloutType=\"simple\">"
           "<text-style fieldName=\"" +
           escape(expression) + "\" isExpression=\"1\" fontSize=\"" + number(size) +
           "\" fontSizeUnit=\"Point\" textColor=\"20,20,20,255\" fontWeight=\"75\" multilineAlign=\"1\">"
           "<text-buffer bufferDraw=\"1\" bufferSize=\"1\" bufferSizeUnits=\"MM\" bufferColor=\"255,255,255,255\"/>"
           "</text-style><text-format wrapChar=\"\" multilineAlign=\"1\"/>"
           "<placement placement=\"1\" centroidInside=\"1\" fitInPolygonOnly=\"0\"/>"
           "<rendering obstacle=\"1\" labelPerPart=\"0\" displayAll=\"1\"/></settings></labeling>";
}

std::string qml_document(const std::string& renderer, const std::string& labeling) {
    std::ostringstream os;
    os << "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
       << "<qgis version=\"3.22.16\" styleCategories=\"Symbology|Labeling\" labelsEnabled=\""
       << (labeling.empty() ? 0 : 1) << "\">\n"
       << renderer << "\n";
    if (!labeling.empty()) {
        os << labeling << "\n";
    }
    os << "<blendMode>0</blendMode>\n<featureBlendMode>0</featureBlendMode>\n<layerOpacity>1</layerOpacity>\n"
       << "</qgis>\n";
    return os.str();
}

void write_styles(const std::vector<LayerStyle>& styles, VectorWriter& writer, OutputDir& out,
                  const OutputOptions& options, const Logger& log) {
    // A database output gets the styles as .qml files beside its report.
    if (options.format.multi_layer && options.format.driver == "GPKG" && !options.format.database) {
        // QGIS's table: the first style of each layer is its default.
        writer.begin_layer(LayerDef{"layer_styles",
                                    wkbNone,
                                    {{"f_table_catalog", FieldType::string, "", 0},
                                     {"f_table_schema", FieldType::string, "", 0},
                                     {"f_table_name", FieldType::string, "", 0},
                                     {"f_geometry_column", FieldType::string, "", 0},
                                     {"styleName", FieldType::string, "", 0},
                                     {"styleQML", FieldType::string, "", 0},
                                     {"styleSLD", FieldType::string, "", 0},
                                     {"useAsDefault", FieldType::integer, "", 0},
                                     {"description", FieldType::string, "", 0},
                                     {"owner", FieldType::string, "", 0},
                                     {"ui", FieldType::string, "", 0},
                                     {"update_time", FieldType::string, "", 0}}});
        std::set<std::string> seen;
        for (const auto& s : styles) {
            const bool first = seen.insert(s.layer).second;
            writer.add(nullptr, {std::string{}, std::string{}, s.layer, std::string{"geom"}, s.name, s.qml,
                                 std::string{}, std::int64_t{first ? 1 : 0}, s.description, std::string{"gridplan"},
                                 std::string{}, std::string{"2000-01-01T00:00:00Z"}});
        }
        return;
    }
    if (options.format.multi_layer && !options.format.database) {
        return;  // another multi-layer format: no place QGIS reads styles from
    }
    std::set<std::string> seen;
    for (const auto& s : styles) {
        if (!seen.insert(s.layer).second) {
            continue;
        }
        const std::string name = s.layer + ".qml";
        if (out.edited_since_written(name)) {
            log.warning("kept " + (out.dir() / name).string() + " (not the style an earlier run wrote: yours); " +
                        "gridplan's default style for " + s.layer + " is not written");
            continue;
        }
        out.write_text(name, s.qml);
    }
}

} // namespace gridplan::io
