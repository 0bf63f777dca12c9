#include "support/fixtures.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/wrap/gdal.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <sys/wait.h>
#include <unistd.h>

namespace gridplan::test {

namespace fs = std::filesystem;

DistrictBuilder::DistrictBuilder(const wrap::GeosContext& geos, const std::string& boundary_wkt) : m_geos(geos) {
    m_district.working_crs = crs::Crs::from_user_input("EPSG:32650");
    m_district.input_crs = m_district.working_crs;
    m_district.boundary = geos.from_wkt(boundary_wkt);
    m_district.boundary_description = "test boundary";
    m_district.sources = {"test:lines", "test:water", "test:households"};
}

DistrictBuilder& DistrictBuilder::line(const std::string& wkt, BarrierClass cls, const std::string& name) {
    io::BarrierLine l;
    l.geom = m_geos.from_wkt(wkt);
    l.cls = cls;
    l.name = name;
    l.source = 0;
    l.fid = SourceFid{static_cast<std::int64_t>(m_district.barriers.size())};
    m_district.barriers.push_back(std::move(l));
    return *this;
}

DistrictBuilder& DistrictBuilder::bridge(const std::string& wkt, BarrierClass cls, const std::string& name) {
    line(wkt, cls, name);
    m_district.barriers.back().bridge = true;
    return *this;
}

DistrictBuilder& DistrictBuilder::water(const std::string& wkt, const std::string& name) {
    io::WaterArea w;
    w.geom = m_geos.from_wkt(wkt);
    w.name = name;
    w.source = 1;
    w.fid = SourceFid{static_cast<std::int64_t>(m_district.water.size())};
    m_district.water.push_back(std::move(w));
    return *this;
}

DistrictBuilder& DistrictBuilder::household(double x, double y, std::uint32_t count) {
    io::HouseholdPoint h;
    h.x = x;
    h.y = y;
    h.count = count;
    h.source = 2;
    h.fid = SourceFid{static_cast<std::int64_t>(m_district.households.size())};
    m_district.households.push_back(h);
    return *this;
}

io::District DistrictBuilder::build() { return std::move(m_district); }

TilingReport check_tiling(const wrap::GeosContext& geos, const GEOSGeometry* boundary,
                          const blocks::BlocksResult& result, bool pairwise) {
    TilingReport r;
    r.boundary_area = geos.area(boundary);
    std::vector<wrap::GeomPtr> parts;
    for (const auto& b : result.blocks) {
        r.sum_of_areas += geos.area(b.geom.get());
        if (!geos.is_valid(b.geom.get())) {
            ++r.invalid_blocks;
        }
        parts.push_back(geos.clone(b.geom.get()));
    }
    wrap::GeomPtr all = geos.collection(GEOS_GEOMETRYCOLLECTION, parts);
    wrap::GeomPtr u = geos.own(GEOSUnaryUnion_r(geos.handle(), all.get()), "union");
    r.union_area = geos.area(u.get());
    wrap::GeomPtr diff = geos.own(GEOSSymDifference_r(geos.handle(), u.get(), boundary), "symdiff");
    r.symmetric_difference_area = geos.area(diff.get());
    if (pairwise) {
        namespace bg = boost::geometry;
        namespace bgi = boost::geometry::index;
        using Point = bg::model::d2::point_xy<double>;
        using Box = bg::model::box<Point>;
        std::vector<std::pair<Box, std::size_t>> boxes;
        for (std::size_t i = 0; i < result.blocks.size(); ++i) {
            double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
            geos.bounds(result.blocks[i].geom.get(), x0, y0, x1, y1);
            boxes.emplace_back(Box{Point{x0, y0}, Point{x1, y1}}, i);
        }
        bgi::rtree<std::pair<Box, std::size_t>, bgi::quadratic<16>> tree{boxes.begin(), boxes.end()};
        for (const auto& [box, i] : boxes) {
            for (auto it = tree.qbegin(bgi::intersects(box)); it != tree.qend(); ++it) {
                if (it->second <= i) {
                    continue;
                }
                wrap::GeomPtr x = geos.own(GEOSIntersection_r(geos.handle(), result.blocks[i].geom.get(),
                                                              result.blocks[it->second].geom.get()),
                                           "intersection");
                r.max_pair_overlap = std::max(r.max_pair_overlap, geos.area(x.get()));
            }
        }
    }
    return r;
}

TempDir::TempDir() {
    std::string pattern = (fs::temp_directory_path() / "gridplan-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error{"cannot create a temporary directory"};
    }
    m_path = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
}

std::string read_file(const fs::path& p) {
    std::ifstream in{p, std::ios::binary};
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_raster(const fs::path& p, int epsg, double west, double north, double cell_x, double cell_y, int columns,
                  const std::vector<double>& values, std::optional<double> nodata) {
    wrap::gdal_init();
    GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GTiff");
    const int rows = static_cast<int>(values.size()) / columns;
    GDALDatasetUniquePtr ds{drv == nullptr ? nullptr
                                           : drv->Create(p.string().c_str(), columns, rows, 1, GDT_Float64, nullptr)};
    if (!ds) {
        throw std::runtime_error{"cannot create " + p.string()};
    }
    double gt[6] = {west, cell_x, 0.0, north, 0.0, -cell_y};
    ds->SetGeoTransform(gt);
    OGRSpatialReference srs;
    srs.importFromEPSG(epsg);
    ds->SetSpatialRef(&srs);
    GDALRasterBand* band = ds->GetRasterBand(1);
    if (nodata) {
        band->SetNoDataValue(*nodata);
    }
    std::vector<double> cells = values;
    if (band->RasterIO(GF_Write, 0, 0, columns, rows, cells.data(), columns, rows, GDT_Float64, 0, 0) != CE_None) {
        throw std::runtime_error{"cannot write " + p.string()};
    }
}

void write_file(const fs::path& p, const std::string& text) {
    std::ofstream out{p, std::ios::binary};
    out << text;
}

namespace {

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    return out + "'";
}

} // namespace

RunResult run_command(const std::string& program, const std::vector<std::string>& args) {
    TempDir tmp;
    std::string cmd = shell_quote(program);
    for (const auto& a : args) {
        cmd += " " + shell_quote(a);
    }
    cmd += " >" + shell_quote((tmp / "out").string()) + " 2>" + shell_quote((tmp / "err").string()) + " </dev/null";
    const int status = std::system(cmd.c_str());
    RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_file(tmp / "out");
    r.err = read_file(tmp / "err");
    return r;
}

RunResult run_gridplan(const std::vector<std::string>& args) { return run_command(GRIDPLAN_EXE, args); }

std::string shared_osm(const std::string& name) {
    const fs::path p = fs::path{GRIDPLAN_OSM_DIR} / name;
    if (!fs::exists(p)) {
        std::cout << "SKIPPED: " << p.string() << " is absent (../shared/data/osm not beside the checkout)\n";
        return {};
    }
    return p.string();
}

std::string source_dir() { return GRIDPLAN_SOURCE_DIR; }

std::string sample_config_text(const std::string& extra) {
    const std::string data = source_dir() + "/data/sample/";
    return R"({
  "boundary": {"path": ")" + data + R"(boundary.geojson"},
  "barriers": [
    {"path": ")" + data + R"(roads.geojson", "class_field": "kind",
     "class_map": {"primary": "road", "secondary": "road", "tertiary": "street", "residential": "street",
                   "service": "alley", "footway": "alley"}},
    {"path": ")" + data + R"(rivers.geojson", "class": "river"}
  ],
  "water": [{"path": ")" + data + R"(water.geojson"}],
  "households": {"path": ")" + data + R"(households.geojson", "count_field": "households"},
  )" + extra + "\n}\n";
}

/// A 2x2 layer of districts over the box of `boundary` (a GeoJSON polygon file).
void write_quarters(const fs::path& boundary, const fs::path& out) {
    const nlohmann::json b = nlohmann::json::parse(read_file(boundary));
    double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
    for (const auto& ring : b["features"][0]["geometry"]["coordinates"]) {
        for (const auto& p : ring) {
            x0 = std::min(x0, p[0].get<double>());
            x1 = std::max(x1, p[0].get<double>());
            y0 = std::min(y0, p[1].get<double>());
            y1 = std::max(y1, p[1].get<double>());
        }
    }
    x0 -= 0.001, y0 -= 0.001, x1 += 0.001, y1 += 0.001;
    const double mx = (x0 + x1) / 2.0;
    const double my = (y0 + y1) / 2.0;
    nlohmann::json fc{{"type", "FeatureCollection"}, {"features", nlohmann::json::array()}};
    const std::vector<std::array<double, 4>> boxes{{x0, my, mx, y1}, {mx, my, x1, y1}, {x0, y0, mx, my}, {mx, y0, x1, my}};
    const std::vector<std::string> names{"西北区", "东北区", "西南区", "东南区"};
    for (std::size_t k = 0; k < boxes.size(); ++k) {
        const auto& q = boxes[k];
        fc["features"].push_back(
            {{"type", "Feature"},
             {"properties", {{"code", "37070" + std::to_string(k + 1)}, {"name", names[k]}}},
             {"geometry",
              {{"type", "Polygon"},
               {"coordinates", {{{q[0], q[1]}, {q[2], q[1]}, {q[2], q[3]}, {q[0], q[3]}, {q[0], q[1]}}}}}}});
    }
    write_file(out, fc.dump());
}

} // namespace gridplan::test
