// fuzz_district: bytes -> a small district -> the stages `gridplan plan` runs.
//
// The bytes are read as a compact description on a metric grid around 119.1E 36.7N, so
// that almost every input is a district the engine can try:
//
//   flags                      bits 0-1 grid step (10, 4, 1 or 0.05 m); bit 2 a water area;
//                              bit 3 centres; bits 4-5 households a grid (50, 20, 120, 500);
//                              bit 6 tolerance 0.4 (else 0.15); bit 7 a 3-minute walk
//   n, then 3 + n % 10 points  the boundary ring (x, y: one byte each, -128..127 steps)
//   n, then n % 9 lines        each: a header (bits 0-1: 2-5 points; bits 2-3: river, road,
//                              street, alley; bit 4 bridge; bit 5 tunnel; bit 6 layer 1;
//                              bit 7 foot=no), then its points
//   n, then n % 40 households  each: x, y, count (1 + c % 50)
//   [water]  n, 3 + n % 6 points;   [centres]  n, n % 4 points
//
// Missing bytes end the description (a truncated part is dropped). The layers are written
// as GeoJSON to /vsimem and read through the same DistrictSpec a config gives.
#include "fuzz_bodies.hpp"

#include "gridplan/blocks/blocks.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/coverage/coverage.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/network/network.hpp"
#include "gridplan/partition/partition.hpp"
#include "gridplan/wrap/geos.hpp"

#include <cpl_vsi.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gridplan::fuzz {

namespace {

constexpr double lon0 = 119.1;
constexpr double lat0 = 36.7;
constexpr double pi = 3.14159265358979323846;
const std::string dir = "/vsimem/gridplan_fuzz_district/";

class Bytes {
public:
    Bytes(const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}
    bool more(std::size_t n = 1) const { return m_pos + n <= m_size; }
    std::uint8_t next() { return more() ? m_data[m_pos++] : 0; }

private:
    const std::uint8_t* m_data;
    std::size_t m_size;
    std::size_t m_pos = 0;
};

struct Writer {
    double step = 10.0;

    std::string coord(int gx, int gy) const {
        const double x = gx * step;
        const double y = gy * step;
        const double lon = lon0 + x / (111320.0 * std::cos(lat0 * pi / 180.0));
        const double lat = lat0 + y / 110574.0;
        char buf[64];
        std::snprintf(buf, sizeof buf, "[%.10f,%.10f]", lon, lat);
        return buf;
    }
    /// `n` points, or an empty list if the bytes run out.
    std::vector<std::pair<int, int>> points(Bytes& in, std::size_t n) const {
        std::vector<std::pair<int, int>> out;
        if (!in.more(2 * n)) {
            while (in.more()) {
                in.next();
            }
            return out;
        }
        for (std::size_t i = 0; i < n; ++i) {
            const int x = static_cast<int>(in.next()) - 128;
            const int y = static_cast<int>(in.next()) - 128;
            out.emplace_back(x, y);
        }
        return out;
    }
    std::string list(const std::vector<std::pair<int, int>>& pts, bool close) const {
        std::string s = "[";
        for (std::size_t i = 0; i < pts.size(); ++i) {
            s += (i ? "," : "") + coord(pts[i].first, pts[i].second);
        }
        if (close && !pts.empty()) {
            s += "," + coord(pts[0].first, pts[0].second);
        }
        return s + "]";
    }
};

std::string collection(const std::vector<std::string>& features) {
    std::string s = R"({"type":"FeatureCollection","features":[)";
    for (std::size_t i = 0; i < features.size(); ++i) {
        s += (i ? ",\n" : "\n") + features[i];
    }
    return s + "]}\n";
}

std::string feature(const std::string& properties, const std::string& type, const std::string& coordinates) {
    return R"({"type":"Feature","properties":)" + properties + R"(,"geometry":{"type":")" + type +
           R"(","coordinates":)" + coordinates + "}}";
}

struct Decoded {
    DistrictFiles files;
    std::uint8_t flags = 0;
    std::size_t lines = 0;  ///< features written: a file without any has no fields to name
    std::size_t households = 0;
    std::size_t centres = 0;
};

Decoded decode(const std::uint8_t* data, std::size_t size) {
    Bytes in{data, size};
    Decoded d;
    d.flags = in.next();
    Writer w;
    w.step = std::array<double, 4>{10.0, 4.0, 1.0, 0.05}[d.flags & 3U];

    std::vector<std::string> boundary;
    const auto ring = w.points(in, 3 + in.next() % 10);
    if (!ring.empty()) {
        boundary.push_back(feature(R"({"name":"fuzz"})", "Polygon", "[" + w.list(ring, true) + "]"));
    }
    d.files.boundary = collection(boundary);

    static const char* const classes[] = {"river", "road", "street", "alley"};
    std::vector<std::string> lines;
    const unsigned n_lines = in.next() % 9U;
    for (unsigned i = 0; i < n_lines && in.more(); ++i) {
        const std::uint8_t h = in.next();
        const auto pts = w.points(in, 2 + (h & 3U));
        if (pts.empty()) {
            break;
        }
        std::string props = R"({"class":")" + std::string{classes[(h >> 2) & 3U]} + R"(","name":"L)" +
                            std::to_string(i) + R"(","bridge":)" + ((h & 16U) ? R"("yes")" : "null") +
                            R"(,"tunnel":)" + ((h & 32U) ? R"("yes")" : "null") + R"(,"layer":)" +
                            ((h & 64U) ? "1" : "0") + R"(,"foot":)" + ((h & 128U) ? R"("no")" : "null") + "}";
        lines.push_back(feature(props, "LineString", w.list(pts, false)));
    }
    d.files.barriers = collection(lines);
    d.lines = lines.size();

    std::vector<std::string> households;
    const unsigned n_households = in.next() % 40U;
    for (unsigned i = 0; i < n_households && in.more(3); ++i) {
        const auto p = w.points(in, 1);
        const unsigned count = 1 + in.next() % 50U;
        households.push_back(feature(R"({"households":)" + std::to_string(count) + "}", "Point",
                                     w.coord(p[0].first, p[0].second)));
    }
    d.files.households = collection(households);
    d.households = households.size();

    std::vector<std::string> water;
    if ((d.flags & 4U) && in.more()) {
        const auto pts = w.points(in, 3 + in.next() % 6);
        if (!pts.empty()) {
            water.push_back(feature(R"({"name":"Lake"})", "Polygon", "[" + w.list(pts, true) + "]"));
        }
    }
    d.files.water = collection(water);

    std::vector<std::string> centres;
    if ((d.flags & 8U) && in.more()) {
        const unsigned n = in.next() % 4U;
        for (unsigned i = 0; i < n && in.more(2); ++i) {
            const auto p = w.points(in, 1);
            centres.push_back(feature(R"({"centre_id":"C)" + std::to_string(i) + R"(","name":"Centre"})", "Point",
                                      w.coord(p[0].first, p[0].second)));
        }
    }
    d.files.centres = collection(centres);
    d.centres = centres.size();
    return d;
}

void put(const std::string& name, const std::string& text) {
    const std::string path = dir + name;
    VSILFILE* f = VSIFOpenL(path.c_str(), "wb");
    if (f == nullptr || VSIFWriteL(text.data(), 1, text.size(), f) != text.size()) {
        std::fprintf(stderr, "gridplan fuzz: cannot write %s\n", path.c_str());
        std::abort();
    }
    VSIFCloseL(f);
}

io::SourceSpec source(const std::string& name, const std::string& key) {
    io::SourceSpec s;
    s.path = dir + name;
    s.config_key = key;
    return s;
}

/// What the CLI relies on when it writes the plan (it indexes with these).
void check_plan(const io::District& district, const blocks::BlocksResult& blocks,
                const partition::PlanResult& plan) {
    if (blocks.household_block.size() != district.households.size()) {
        throw std::logic_error{"household_block does not match the households"};
    }
    for (const BlockId b : blocks.household_block) {
        if (b.valid() && b.value() >= blocks.blocks.size()) {
            throw std::logic_error{"a household's block id is out of range"};
        }
    }
    if (plan.grid_of_block.size() != blocks.blocks.size()) {
        throw std::logic_error{"grid_of_block does not match the blocks"};
    }
    for (const auto g : plan.grid_of_block) {
        if (!g.valid() || g.value() >= plan.grids.size()) {
            throw std::logic_error{"a block without a grid, or a grid id out of range"};
        }
    }
    for (std::size_t i = 0; i < plan.grids.size(); ++i) {
        if (plan.grids[i].id.value() != i) {
            throw std::logic_error{"grids out of id order"};
        }
    }
}

} // namespace

DistrictFiles decode_district(const std::uint8_t* data, std::size_t size) { return decode(data, size).files; }

Outcome run_district(const std::uint8_t* data, std::size_t size) {
    const Decoded d = decode(data, size);
    put("boundary.geojson", d.files.boundary);
    put("barriers.geojson", d.files.barriers);
    put("households.geojson", d.files.households);
    put("water.geojson", d.files.water);
    put("centres.geojson", d.files.centres);

    // The DistrictSpec of a config naming these files (see data/sample/district.json).
    io::DistrictSpec spec;
    spec.boundary.kind = io::BoundarySpec::Kind::source;
    spec.boundary.source = source("boundary.geojson", "boundary");
    io::BarrierSpec barriers;
    barriers.source = source("barriers.geojson", "barriers[0]");
    if (d.lines > 0) {
        barriers.rule = io::BarrierSpec::Rule::field;
        barriers.class_field = "class";
        barriers.name_field = "name";
    } else {
        // A GeoJSON file without features has no fields to name.
        barriers.rule = io::BarrierSpec::Rule::fixed;
    }
    spec.barriers.push_back(barriers);
    if (d.flags & 4U) {
        spec.water.push_back(source("water.geojson", "water[0]"));
    }
    io::HouseholdSpec households;
    households.source = source("households.geojson", "households");
    households.count_field = d.households > 0 ? "households" : "";
    spec.households = households;
    if (d.flags & 8U) {
        io::FeatureLayerSpec centres;
        centres.source = source("centres.geojson", "centres");
        centres.id_field = d.centres > 0 ? "centre_id" : "";
        spec.centres = centres;
    }

    partition::PartitionConfig plan;
    plan.households_per_grid = std::array<double, 4>{50.0, 20.0, 120.0, 500.0}[(d.flags >> 4) & 3U];
    plan.tolerance = (d.flags & 64U) ? 0.4 : 0.15;
    plan.set_walk((d.flags & 128U) ? 3.0 : 10.0, 4.8);

    Outcome outcome;
    try {
        plan.validate();
        RunContext ctx;
        ctx.threads = 1;
        const wrap::GeosContext geos;
        const io::District district = io::read_district(spec, geos, ctx);
        std::int64_t total = 0;
        for (const auto& h : district.households) {
            total += h.count;
        }
        if (total <= 0) {
            throw InputError{"no households to plan grids for", spec.households->source.path};
        }
        const blocks::BlocksConfig blocks_config;
        const blocks::BlocksResult blocks = blocks::build_blocks(district, blocks_config, geos, ctx);
        coverage::CoverageConfig cover_config;
        const network::WalkNetwork net = network::build_network(district, cover_config.network, geos, ctx);
        const partition::PlanResult result = partition::plan_grids(district, blocks, net, {}, plan, geos, ctx);
        check_plan(district, blocks, result);
        // The plan command's service coverage per grid.
        cover_config.radius_min = plan.walk_minutes;
        cover_config.speed_kmh = plan.speed_kmh;
        cover_config.with_service_areas = false;
        const coverage::CoverageResult cover = coverage::compute_coverage(
            district, net, district.centres, district.facilities, cover_config, {}, geos, ctx);
        std::vector<std::vector<std::size_t>> households_of(result.grids.size());
        for (std::size_t i = 0; i < district.households.size(); ++i) {
            const BlockId b = blocks.household_block[i];
            if (b.valid()) {
                households_of[result.grid_of_block[b.value()].value()].push_back(i);
            }
        }
        for (const auto& grid : result.grids) {
            (void)coverage::summarise(district, cover.households, cover_config, &households_of[grid.id.value()]);
        }
    } catch (const InternalError&) {
        throw;
    } catch (const Error& e) {
        outcome.rejected = true;
        outcome.message = e.what();
    }
    return outcome;
}

} // namespace gridplan::fuzz
