#pragma once
// Layer styles that QGIS applies on load: QML documents, written as LAYER.qml beside a
// layer's file, or as rows of a GeoPackage's layer_styles table (the first style of a
// layer is its default).

#include "gridplan/core/run_context.hpp"
#include "gridplan/io/output.hpp"

#include <string>
#include <vector>

namespace gridplan::io {

struct Rgb {
    int r = 0;
    int g = 0;
    int b = 0;
};

/// One symbol of a QML renderer (built by fill_symbol(), line_symbol(), marker_symbol()).
struct QmlSymbol {
    std::string xml;  ///< a <symbol> element without its name attribute
};

/// A polygon fill with an outline (widths in millimetres).
QmlSymbol fill_symbol(Rgb fill, double fill_alpha, Rgb outline, double outline_mm);
/// A line; `dash` draws it dashed.
QmlSymbol line_symbol(Rgb colour, double width_mm, bool dash = false);
/// A point marker: `shape` is a QGIS simple marker name ("circle", "star", "square").
QmlSymbol marker_symbol(const std::string& shape, Rgb fill, double size_mm, Rgb outline);

struct QmlCategory {
    std::string value;  ///< the attribute's value, as text
    std::string label;
    QmlSymbol symbol;
};

struct QmlRange {
    double lower = 0.0;
    double upper = 0.0;
    std::string label;
    QmlSymbol symbol;
};

/// Renderers.
std::string single_renderer(const QmlSymbol& symbol);
std::string categorized_renderer(const std::string& attribute, const std::vector<QmlCategory>& categories);
std::string graduated_renderer(const std::string& attribute, const std::vector<QmlRange>& ranges);
/// Labels from a QGIS expression, centred on polygons (over points), `size` in points.
std::string expression_labels(const std::string& expression, double size);
/// The QML document of a renderer and (optional) labelling.
std::string qml_document(const std::string& renderer, const std::string& labeling = {});

struct LayerStyle {
    std::string layer;        ///< the layer (and file) it styles
    std::string name;         ///< the style's name in QGIS
    std::string description;
    std::string qml;
};

/// Writes the styles of a product: in a GeoPackage (multi-layer formats), a layer_styles
/// table through `writer` (call before writer.finish(), after the layers); otherwise the
/// first style of each layer as LAYER.qml in `out`, unless the folder holds a LAYER.qml
/// that no earlier run wrote as it is (the user's own, or saved over from QGIS): that one
/// is kept, with a warning. Other styles of a layer exist only in the GeoPackage.
void write_styles(const std::vector<LayerStyle>& styles, VectorWriter& writer, OutputDir& out,
                  const OutputOptions& options, const Logger& log);

} // namespace gridplan::io
