// Inside the superblocks: streets, blocks, land use, alleys; then the whole road
// network is noded and the bridges split off.
#include "synth/detail/model.hpp"

#include "gridplan/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace gridplan::synth::detail {

const char* kind_name(RoadKind k) noexcept {
    switch (k) {
    case RoadKind::primary: return "primary";
    case RoadKind::secondary: return "secondary";
    case RoadKind::tertiary: return "tertiary";
    case RoadKind::residential: return "residential";
    case RoadKind::service: return "service";
    case RoadKind::footway: return "footway";
    }
    return "residential";
}

const char* class_name(RoadKind k) noexcept {
    switch (k) {
    case RoadKind::primary:
    case RoadKind::secondary: return "road";
    case RoadKind::tertiary:
    case RoadKind::residential: return "street";
    case RoadKind::service:
    case RoadKind::footway: return "alley";
    }
    return "street";
}

const char* landuse_name(LandUse u) noexcept {
    switch (u) {
    case LandUse::park: return "park";
    case LandUse::campus: return "campus";
    case LandUse::industry: return "industry";
    case LandUse::rail_yard: return "rail_yard";
    case LandUse::compound: return "residential_compound";
    case LandUse::village: return "village";
    case LandUse::mixed: return "mixed";
    case LandUse::none: break;
    }
    return "none";
}

namespace {

constexpr double pi = 3.14159265358979323846;
// Within 3 cm (more than rounding to 7 decimals of a degree moves two points apart) a
// vertex of one line on another becomes a shared vertex.
constexpr double node_tolerance = 0.03;

/// The direction of the long side of a polygon's minimum rotated rectangle.
double long_side_angle(const wrap::GeosContext& geos, const GEOSGeometry* poly) {
    wrap::GeomPtr rect = geos.own(GEOSMinimumRotatedRectangle_r(geos.handle(), poly), "rotated rectangle");
    if (geos.type_id(rect.get()) != GEOS_POLYGON) {
        return 0.0;
    }
    const Polyline ring = exterior_ring(geos, rect.get());
    if (ring.size() < 4) {
        return 0.0;
    }
    const Vec2 a = ring[1] - ring[0];
    const Vec2 b = ring[2] - ring[1];
    const Vec2 d = norm(a) >= norm(b) ? a : b;
    return std::atan2(d.y, d.x);
}

/// A rotated frame fitted around a polygon: u along e1, v along e2.
struct Frame {
    Vec2 e1;
    Vec2 e2;
    double u0 = 0.0;
    double u1 = 0.0;
    double v0 = 0.0;
    double v1 = 0.0;

    Vec2 at(double u, double v) const noexcept { return e1 * u + e2 * v; }
};

Frame frame_of(const wrap::GeosContext& geos, const GEOSGeometry* poly, double angle) {
    Frame f;
    f.e1 = from_angle(angle);
    f.e2 = left_of(f.e1);
    std::vector<double> xy;
    geos.coordinates(poly, xy);
    f.u0 = f.v0 = std::numeric_limits<double>::infinity();
    f.u1 = f.v1 = -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i + 1 < xy.size(); i += 2) {
        const Vec2 p{xy[i], xy[i + 1]};
        f.u0 = std::min(f.u0, dot(p, f.e1));
        f.u1 = std::max(f.u1, dot(p, f.e1));
        f.v0 = std::min(f.v0, dot(p, f.e2));
        f.v1 = std::max(f.v1, dot(p, f.e2));
    }
    return f;
}

/// A line across the frame: along e1 at v = pos (family 0) or along e2 at u = pos
/// (family 1), reaching `overshoot` beyond the frame, wobbling by `wobble` metres.
Polyline across(const Frame& f, int family, double pos, double overshoot, double wobble, double wavelength, Rng& rng) {
    const Wave wave{rng, wavelength};
    const double from = (family == 0 ? f.u0 : f.v0) - overshoot;
    const double to = (family == 0 ? f.u1 : f.v1) + overshoot;
    const double step = std::max(8.0, std::min(60.0, wavelength / 5.0));
    const auto n = static_cast<int>(std::ceil((to - from) / step));
    Polyline line;
    for (int k = 0; k <= n; ++k) {
        const double s = from + (to - from) * k / n;
        const double off = pos + wobble * wave(s);
        line.push_back(family == 0 ? f.at(s, off) : f.at(off, s));
    }
    return line;
}

/// How close a line inside a polygon may run to its edge.
struct Clearance {
    double ends; ///< the first and last metres are not checked
    double hard; ///< no vertex closer than this
    double soft; ///< at most a fifth of the vertices closer than this
    double corner; ///< no end closer than this to a corner
};

/// True when a line inside a polygon would cut a thin strip or a small corner off it.
bool hugs(const Polyline& line, const Polyline& ring, const Clearance& c) {
    const double total = polyline_length(line);
    std::size_t near = 0;
    std::size_t counted = 0;
    double s = 0.0;
    for (std::size_t i = 1; i + 1 < line.size(); ++i) {
        s += dist(line[i - 1], line[i]);
        if (s < c.ends || total - s < c.ends) {
            continue;
        }
        const double e = point_polyline_distance(line[i], ring);
        if (e < c.hard) {
            return true;
        }
        ++counted;
        near += e < c.soft ? 1 : 0;
    }
    if (counted > 0 && static_cast<double>(near) > 0.2 * static_cast<double>(counted)) {
        return true;
    }
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        const Vec2 prev = ring[i == 0 ? ring.size() - 2 : i - 1];
        const Vec2 a = unit(ring[i] - prev);
        const Vec2 b = unit(ring[i + 1] - ring[i]);
        if (dot(a, b) > std::cos(0.45)) {
            continue; // not a corner
        }
        if (dist(line.front(), ring[i]) < c.corner || dist(line.back(), ring[i]) < c.corner) {
            return true;
        }
    }
    return false;
}

struct Edge {
    std::size_t line;
    std::size_t a;
    std::size_t b;
    bool keep = true;
    double prune_draw = 0.0;
};

/// Drops a random share of the edges (between junctions) of noded lines, then the
/// edges left dangling, each with probability `prune`. Returns the kept runs per line.
std::vector<std::vector<Polyline>> thin_out(const std::vector<Polyline>& lines,
                                            const std::vector<std::vector<std::uint8_t>>& junction, double p_drop,
                                            double prune, Rng& rng) {
    std::vector<Edge> edges;
    for (std::size_t l = 0; l < lines.size(); ++l) {
        std::size_t a = 0;
        for (std::size_t k = 1; k < lines[l].size(); ++k) {
            if (junction[l][k] != 0 || k + 1 == lines[l].size()) {
                Edge e{l, a, k, true, 0.0};
                const bool interior = junction[l][a] != 0 && junction[l][k] != 0;
                e.keep = !rng.chance(interior ? p_drop : 0.5 * p_drop);
                e.prune_draw = rng.uniform();
                edges.push_back(e);
                a = k;
            }
        }
    }
    using Key = std::pair<double, double>;
    for (bool changed = true; changed;) {
        changed = false;
        std::map<Key, int> degree;
        for (const auto& e : edges) {
            if (!e.keep) {
                continue;
            }
            for (std::size_t v : {e.a, e.b}) {
                if (junction[e.line][v] != 0) {
                    const Vec2 p = lines[e.line][v];
                    ++degree[Key{p.x, p.y}];
                }
            }
        }
        for (auto& e : edges) {
            if (!e.keep || e.prune_draw >= prune) {
                continue;
            }
            for (std::size_t v : {e.a, e.b}) {
                const Vec2 p = lines[e.line][v];
                if (junction[e.line][v] != 0 && degree[Key{p.x, p.y}] == 1) {
                    e.keep = false;
                    changed = true;
                    break;
                }
            }
        }
    }
    std::vector<std::vector<Polyline>> runs(lines.size());
    Polyline current;
    std::size_t current_line = SIZE_MAX;
    std::size_t current_end = 0;
    auto flush = [&]() {
        if (current.size() >= 2) {
            runs[current_line].push_back(std::move(current));
        }
        current.clear();
    };
    for (const auto& e : edges) {
        if (!e.keep) {
            continue;
        }
        if (e.line != current_line || e.a != current_end) {
            flush();
            current_line = e.line;
        }
        const Polyline& pl = lines[e.line];
        for (std::size_t k = current.empty() ? e.a : e.a + 1; k <= e.b; ++k) {
            current.push_back(pl[k]);
        }
        current_end = e.b;
    }
    flush();
    return runs;
}

} // namespace

void build_streets_and_blocks(Model& m, const wrap::GeosContext& geos, Namer& namer) {
    Rng rng{m.seed, "streets"};
    for (std::size_t si = 0; si < m.superblocks.size(); ++si) {
        Superblock& sb = m.superblocks[si];
        if (sb.zone == Zone::riverside) {
            continue;
        }
        std::vector<Polyline> street_runs;
        if (sb.zone != Zone::rail_yard) {
            const bool industry = sb.zone == Zone::industry;
            const double rho = std::clamp(sb.rho, 0.0, 1.2);
            const double spacing = industry ? rng.uniform(380.0, 480.0) : 190.0 + 90.0 * rho + rng.uniform(-15.0, 15.0);
            const double angle = long_side_angle(geos, sb.face.get()) + rng.uniform(-0.04, 0.04);
            const Frame f = frame_of(geos, sb.face.get(), angle);
            wrap::PreparedPtr prepared = geos.prepare(sb.face.get());
            const Polyline ring = exterior_ring(geos, sb.face.get());
            struct Planned {
                Polyline line;
                std::size_t origin;
                int family;
            };
            std::vector<Planned> planned;
            std::size_t origin = 0;
            for (int family = 0; family < 2; ++family) {
                const double lo = family == 0 ? f.v0 : f.u0;
                const double hi = family == 0 ? f.v1 : f.u1;
                const double sp = spacing * (family == 0 ? rng.uniform(1.0, 1.2) : rng.uniform(0.85, 1.05));
                const double wobble = industry ? 1.0 : (rho < 0.45 ? 6.0 : 3.0);
                for (double pos = lo + sp * rng.uniform(0.5, 0.8); pos < hi - 0.45 * sp;
                     pos += sp * rng.uniform(0.85, 1.15)) {
                    const Polyline line = across(f, family, pos, 40.0, wobble, rng.uniform(300.0, 600.0), rng);
                    for (auto& piece : clip_line(geos, sb.face.get(), prepared.get(), line)) {
                        if (polyline_length(piece) >= 60.0 && !hugs(piece, ring, Clearance{30.0, 8.0, 20.0, 12.0})) {
                            planned.push_back(Planned{std::move(piece), origin, family});
                        }
                    }
                    ++origin;
                }
            }
            std::vector<Polyline> lines;
            for (auto& p : planned) {
                lines.push_back(std::move(p.line));
            }
            std::vector<Polyline*> ptrs;
            for (auto& l : lines) {
                ptrs.push_back(&l);
            }
            const auto junction = node_lines(ptrs, node_tolerance);
            const auto runs = thin_out(lines, junction, industry ? 0.3 : 0.18, 1.0, rng);
            std::map<std::size_t, std::string> names;
            for (std::size_t l = 0; l < lines.size(); ++l) {
                for (const auto& run : runs[l]) {
                    const Vec2 d = run.back() - run.front();
                    auto it = names.find(planned[l].origin);
                    if (it == names.end()) {
                        const bool ns = std::abs(d.y) > std::abs(d.x);
                        it = names
                                 .emplace(planned[l].origin, namer.unique("road", ns ? Suffix{"Road", "路", true}
                                                                                     : Suffix{"Street", "街", true}))
                                 .first;
                    }
                    Road r;
                    r.line = run;
                    r.name = it->second;
                    r.kind = industry || planned[l].family == 0 ? RoadKind::tertiary : RoadKind::residential;
                    m.roads.push_back(std::move(r));
                    street_runs.push_back(run);
                }
            }
        }

        // Blocks: the faces of the streets inside the superblock. The streets end on its
        // edge only to within rounding: node them with it first.
        std::vector<wrap::GeomPtr> lines;
        {
            wrap::GeomPtr edge = geos.own(GEOSBoundary_r(geos.handle(), sb.face.get()), "superblock ring");
            std::vector<Polyline> all = line_parts(geos, edge.get());
            all.insert(all.end(), street_runs.begin(), street_runs.end());
            std::vector<Polyline*> ptrs;
            for (auto& l : all) {
                ptrs.push_back(&l);
            }
            node_lines(ptrs, node_tolerance);
            for (const auto& l : all) {
                lines.push_back(make_line(geos, l));
            }
        }
        std::vector<wrap::GeomPtr> faces = street_runs.empty() ? std::vector<wrap::GeomPtr>{} : polygonize(geos, lines);
        if (street_runs.empty()) {
            faces.push_back(geos.clone(sb.face.get()));
        }
        wrap::GeomPtr face_ring = geos.own(GEOSBoundary_r(geos.handle(), sb.face.get()), "superblock ring");
        wrap::PreparedPtr land_prepared = geos.prepare(sb.land.get());
        for (auto& face : faces) {
            Block b;
            const bool inside =
                sb.land_is_face ||
                geos.check_bool(GEOSPreparedContains_r(geos.handle(), land_prepared.get(), face.get()), "contains");
            b.land = inside ? geos.clone(face.get())
                            : geos.own(GEOSIntersection_r(geos.handle(), face.get(), sb.land.get()), "block land");
            b.area = geos.area(b.land.get());
            if (b.area < 300.0) {
                continue;
            }
            b.geom = std::move(face);
            b.label = inside_point(geos, b.land.get());
            b.rho = m.rho(b.label);
            b.orientation = long_side_angle(geos, b.geom.get());
            b.superblock = si;
            if (!street_runs.empty()) {
                wrap::GeomPtr ring = geos.own(GEOSBoundary_r(geos.handle(), b.geom.get()), "block ring");
                wrap::GeomPtr shared =
                    geos.own(GEOSIntersection_r(geos.handle(), ring.get(), face_ring.get()), "frontage");
                b.frontage = geos.length(shared.get()) > 30.0;
            } else {
                b.frontage = true;
            }
            m.blocks.push_back(std::move(b));
        }
    }
}

void assign_land_use(Model& m, Namer& namer) {
    Rng rng{m.seed, "landuse"};
    const double area_km2 = m.area_m2 / 1e6;
    double total = 0.0;
    for (auto& b : m.blocks) {
        const Zone z = m.superblocks[b.superblock].zone;
        if (z == Zone::industry) {
            b.use = LandUse::industry;
            b.name = m.superblocks[b.superblock].name;
        } else if (z == Zone::rail_yard) {
            b.use = LandUse::rail_yard;
            b.name = m.superblocks[b.superblock].name;
        } else {
            total += b.area;
        }
    }
    auto random_inside = [&m, &rng](double rho_lo, double rho_hi) {
        const double a = rng.uniform(0.0, 2.0 * pi);
        const double r = std::sqrt(rng.uniform(rho_lo * rho_lo, rho_hi * rho_hi));
        return from_angle(a) * (r * m.boundary_radius(a));
    };
    // Take blocks nearest to seeds until `share` of the urban land is reached.
    auto take = [&](std::vector<Vec2> seeds, double min_area, double share, LandUse use) {
        std::vector<std::pair<double, std::size_t>> order;
        for (std::size_t i = 0; i < m.blocks.size(); ++i) {
            const Block& b = m.blocks[i];
            if (b.use != LandUse::none || b.area < min_area) {
                continue;
            }
            double d = std::numeric_limits<double>::infinity();
            for (const auto& s : seeds) {
                d = std::min(d, dist(s, b.label));
            }
            order.emplace_back(d, i);
        }
        std::sort(order.begin(), order.end());
        double got = 0.0;
        for (const auto& [d, i] : order) {
            if (got >= share * total) {
                break;
            }
            m.blocks[i].use = use;
            got += m.blocks[i].area;
        }
    };
    {
        std::vector<Vec2> seeds{random_inside(0.0, 0.25)};
        const int n = std::max(2, static_cast<int>(std::lround(area_km2 / 7.0)));
        for (int i = 1; i < n; ++i) {
            seeds.push_back(random_inside(0.1, 0.9));
        }
        take(seeds, 8000.0, 0.045, LandUse::park);
    }
    {
        std::vector<Vec2> seeds;
        const int n = std::max(2, static_cast<int>(std::lround(area_km2 / 5.0)));
        for (int i = 0; i < n; ++i) {
            seeds.push_back(random_inside(0.0, 0.95));
        }
        take(seeds, 12000.0, 0.04, LandUse::campus);
    }
    {
        std::vector<Vec2> seeds;
        const int n = std::max(3, static_cast<int>(std::lround(area_km2 / 3.0)));
        for (int i = 0; i < n; ++i) {
            seeds.push_back(random_inside(0.3, 0.95));
        }
        take(seeds, 5000.0, 0.11, LandUse::village);
    }
    for (auto& b : m.blocks) {
        if (b.use != LandUse::none) {
            continue;
        }
        const double p = b.area < 4500.0 ? 1.0 : b.frontage ? (b.rho < 0.5 ? 0.5 : 0.25) : 0.1;
        b.use = rng.chance(p) ? LandUse::mixed : LandUse::compound;
    }

    // Names.
    const Suffix compound_suffixes[] = {{"Garden", "花园"},     {"Homeland", "家园"},
                                        {"Court", "苑"},        {"Residential Quarter", "小区"},
                                        {"Apartments", "公寓"}, {"Mansion", "府"}};
    bool peoples_park = false;
    for (auto& b : m.blocks) {
        switch (b.use) {
        case LandUse::park:
            if (!peoples_park && b.rho < 0.35) {
                b.name = "People's Park 人民公园";
                b.word = Word{"Renmin", "人民"};
                peoples_park = true;
            } else {
                b.name = namer.unique("park", Suffix{"Park", "公园"});
                b.word = namer.last_word();
            }
            break;
        case LandUse::campus: {
            const bool hospital = rng.chance(0.2);
            const Suffix s = hospital             ? Suffix{"Hospital", "医院"}
                             : b.area >= 100000.0 ? Suffix{"College", "学院"}
                             : b.area >= 30000.0  ? Suffix{"Middle School", "中学"}
                                                  : Suffix{"Primary School", "小学"};
            b.name = namer.unique(s.en, s);
            b.word = namer.last_word();
            break;
        }
        case LandUse::village: b.name = namer.village(b.word); break;
        case LandUse::compound: {
            const Suffix& s = compound_suffixes[rng.index(std::size(compound_suffixes))];
            b.name = namer.unique("compound", s);
            b.word = namer.last_word();
            break;
        }
        case LandUse::mixed:
        case LandUse::industry:
        case LandUse::rail_yard: b.word = namer.word(); break;
        case LandUse::none: break;
        }
    }
}

void build_alleys(Model& m, const wrap::GeosContext& geos, Namer& namer) {
    Rng rng{m.seed, "alleys"};
    const wrap::GeomPtr near_boundary = buffer(geos, m.boundary.get(), 8.0, 4);
    for (auto& b : m.blocks) {
        if (b.area < 1500.0 || b.use == LandUse::rail_yard || b.use == LandUse::none) {
            continue;
        }
        const double angle = b.orientation;
        Frame f = frame_of(geos, b.geom.get(), angle);
        const double w = f.u1 - f.u0;
        const double h = f.v1 - f.v0;
        struct Planned {
            Polyline line;
            RoadKind kind;
            bool named;
        };
        std::vector<Planned> planned;
        double p_drop = 0.0;
        double prune = 1.0;
        switch (b.use) {
        case LandUse::village: {
            const double a = angle + rng.uniform(-0.05, 0.05);
            f = frame_of(geos, b.geom.get(), a);
            for (int family = 0; family < 2; ++family) {
                const double lo = family == 0 ? f.v0 : f.u0;
                const double hi = family == 0 ? f.v1 : f.u1;
                const double sp = rng.uniform(28.0, 42.0);
                for (double pos = lo + sp * rng.uniform(0.4, 0.9); pos < hi - 0.4 * sp;
                     pos += sp * rng.uniform(0.8, 1.2)) {
                    planned.push_back(Planned{across(f, family, pos, 20.0, 3.0, rng.uniform(40.0, 70.0), rng),
                                              family == 0 ? RoadKind::service : RoadKind::footway, rng.chance(0.3)});
                }
            }
            p_drop = 0.2;
            prune = 0.65;
            break;
        }
        case LandUse::compound: {
            if (b.area < 12000.0 && rng.chance(0.5)) {
                break;
            }
            const double v = 0.5 * (f.v0 + f.v1) + rng.uniform(-0.2, 0.2) * h;
            planned.push_back(Planned{across(f, 0, v, 20.0, 0.5, 200.0, rng), RoadKind::service, false});
            if (rng.chance(0.55)) {
                const double u = 0.5 * (f.u0 + f.u1) + rng.uniform(-0.25, 0.25) * w;
                planned.push_back(Planned{across(f, 1, u, 20.0, 0.5, 200.0, rng), RoadKind::service, false});
            }
            if (b.area > 60000.0) {
                const double v2 = v + (rng.chance(0.5) ? 1.0 : -1.0) * rng.uniform(0.25, 0.35) * h;
                planned.push_back(Planned{across(f, 0, v2, 20.0, 0.5, 200.0, rng), RoadKind::footway, false});
            }
            p_drop = 0.3;
            prune = 0.5;
            break;
        }
        case LandUse::mixed:
            if (rng.chance(0.5)) {
                const double u = 0.5 * (f.u0 + f.u1) + rng.uniform(-0.2, 0.2) * w;
                planned.push_back(Planned{across(f, 1, u, 20.0, 1.5, 120.0, rng), RoadKind::service, rng.chance(0.3)});
            }
            break;
        case LandUse::park: {
            const double v = 0.5 * (f.v0 + f.v1) + rng.uniform(-0.15, 0.15) * h;
            planned.push_back(Planned{across(f, 0, v, 20.0, 12.0, 180.0, rng), RoadKind::footway, false});
            if (rng.chance(0.5)) {
                const double u = 0.5 * (f.u0 + f.u1) + rng.uniform(-0.2, 0.2) * w;
                planned.push_back(Planned{across(f, 1, u, 20.0, 8.0, 150.0, rng), RoadKind::footway, false});
            }
            break;
        }
        case LandUse::campus: {
            const double v = 0.5 * (f.v0 + f.v1) + rng.uniform(-0.2, 0.2) * h;
            planned.push_back(Planned{across(f, 0, v, 20.0, 1.0, 200.0, rng), RoadKind::service, false});
            break;
        }
        case LandUse::industry:
            if (rng.chance(0.5)) {
                const double u = 0.5 * (f.u0 + f.u1) + rng.uniform(-0.2, 0.2) * w;
                planned.push_back(Planned{across(f, 1, u, 20.0, 0.5, 300.0, rng), RoadKind::service, false});
            }
            break;
        case LandUse::rail_yard:
        case LandUse::none: break;
        }
        if (planned.empty()) {
            continue;
        }
        // Alleys stay inside the block, and end a few metres beyond the district's edge.
        wrap::GeomPtr clipped;
        const GEOSGeometry* area = b.geom.get();
        if (!geos.check_bool(GEOSPreparedContains_r(geos.handle(), m.boundary_prepared.get(), area), "contains")) {
            clipped = geos.own(GEOSIntersection_r(geos.handle(), area, near_boundary.get()), "alley area");
            std::vector<wrap::GeomPtr> parts = polygon_parts(geos, clipped.get(), 1.0);
            if (parts.size() != 1) {
                continue;
            }
            clipped = std::move(parts.front());
            area = clipped.get();
        }
        wrap::PreparedPtr prepared = geos.prepare(area);
        const Polyline ring = exterior_ring(geos, area);
        std::vector<Polyline> lines;
        std::vector<std::size_t> origin;
        for (std::size_t i = 0; i < planned.size(); ++i) {
            for (auto& piece : clip_line(geos, area, prepared.get(), planned[i].line)) {
                // Not along the block's edge: that would cut off a thin strip.
                if (polyline_length(piece) >= 15.0 && !hugs(piece, ring, Clearance{12.0, 4.0, 7.0, 6.0})) {
                    lines.push_back(std::move(piece));
                    origin.push_back(i);
                }
            }
        }
        std::vector<Polyline*> ptrs;
        for (auto& l : lines) {
            ptrs.push_back(&l);
        }
        const auto junction = node_lines(ptrs, node_tolerance);
        const auto runs = thin_out(lines, junction, p_drop, prune, rng);
        std::map<std::size_t, std::string> names;
        for (std::size_t l = 0; l < lines.size(); ++l) {
            const Planned& p = planned[origin[l]];
            for (const auto& run : runs[l]) {
                if (polyline_length(run) < 10.0) {
                    continue;
                }
                Road r;
                r.line = run;
                r.kind = p.kind;
                if (p.named) {
                    auto it = names.find(origin[l]);
                    if (it == names.end()) {
                        it = names.emplace(origin[l], namer.unique("alley", Suffix{"Alley", "巷", true})).first;
                    }
                    r.name = it->second;
                }
                b.alleys.push_back(run);
                m.roads.push_back(std::move(r));
            }
        }
    }
}

void finish_roads(Model& m, const wrap::GeosContext& geos, RunContext& ctx) {
    std::vector<Polyline*> lines;
    for (auto& r : m.roads) {
        lines.push_back(&r.line);
    }
    const auto junction = node_lines(lines, node_tolerance);

    // Split roads where they cross water: the part between the junctions on either bank
    // becomes a bridge. Streets and alleys never cross water; if one did, it is cut.
    std::vector<Road> out;
    out.reserve(m.roads.size());
    std::size_t dropped = 0;
    for (std::size_t i = 0; i < m.roads.size(); ++i) {
        Road& r = m.roads[i];
        wrap::GeomPtr g = make_line(geos, r.line);
        if (!geos.check_bool(GEOSPreparedIntersects_r(geos.handle(), m.water_prepared.get(), g.get()), "intersects")) {
            out.push_back(std::move(r));
            continue;
        }
        const bool road_class = r.kind == RoadKind::primary || r.kind == RoadKind::secondary;
        const auto& j = junction[i];
        std::vector<std::size_t> stops{0};
        for (std::size_t k = 1; k + 1 < r.line.size(); ++k) {
            if (j[k] != 0) {
                stops.push_back(k);
            }
        }
        stops.push_back(r.line.size() - 1);
        Polyline current;
        auto flush = [&]() {
            if (current.size() >= 2) {
                Road piece;
                piece.line = std::move(current);
                piece.name = r.name;
                piece.kind = r.kind;
                out.push_back(std::move(piece));
            }
            current.clear();
        };
        for (std::size_t s = 0; s + 1 < stops.size(); ++s) {
            const Polyline run(r.line.begin() + static_cast<std::ptrdiff_t>(stops[s]),
                               r.line.begin() + static_cast<std::ptrdiff_t>(stops[s + 1]) + 1);
            wrap::GeomPtr rg = make_line(geos, run);
            const bool wet = geos.check_bool(GEOSPreparedIntersects_r(geos.handle(), m.water_prepared.get(), rg.get()),
                                             "intersects");
            if (!wet) {
                current.insert(current.end(), run.begin() + (current.empty() ? 0 : 1), run.end());
                continue;
            }
            flush();
            const bool bounded = j[stops[s]] != 0 && j[stops[s + 1]] != 0;
            if (road_class && bounded) {
                Road bridge;
                bridge.line = run;
                bridge.name = r.name;
                bridge.kind = r.kind;
                bridge.bridge = true;
                out.push_back(std::move(bridge));
            } else {
                ++dropped;
            }
        }
        flush();
    }
    m.roads = std::move(out);
    if (dropped > 0) {
        ctx.log.debug("synth: " + std::to_string(dropped) + " road pieces over water without a bridge removed");
    }
}

} // namespace gridplan::synth::detail
