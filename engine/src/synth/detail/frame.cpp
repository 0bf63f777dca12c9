// The district's frame: its boundary, the two rivers with their water areas and bank
// roads, the arterial roads, and the superblocks they enclose.
#include "synth/detail/model.hpp"

#include "gridplan/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gridplan::synth::detail {

namespace {

constexpr double pi = 3.14159265358979323846;
// Within 3 cm (more than rounding to 7 decimals of a degree moves two points apart) a
// vertex of one line on another becomes a shared vertex.
constexpr double node_tolerance = 0.03;

struct Extent {
    double x0 = 0.0;
    double y0 = 0.0;
    double x1 = 0.0;
    double y1 = 0.0;
};

Extent extent_of(const wrap::GeosContext& geos, const GEOSGeometry* g) {
    Extent e;
    geos.bounds(g, e.x0, e.y0, e.x1, e.y1);
    return e;
}

/// A band of varying half-width around a centre line, as a polygon (valid).
wrap::GeomPtr band(const wrap::GeosContext& geos, const Polyline& line, const std::vector<double>& half) {
    const std::vector<Vec2> normals = vertex_normals(line);
    std::vector<double> neg(half.size());
    for (std::size_t i = 0; i < half.size(); ++i) {
        neg[i] = -half[i];
    }
    Polyline left = offset_polyline(line, normals, half);
    const Polyline right = offset_polyline(line, normals, neg);
    left.insert(left.end(), right.rbegin(), right.rend());
    wrap::GeomPtr poly = make_polygon(geos, left);
    if (!geos.is_valid(poly.get())) {
        int dropped = 0;
        poly = geos.make_valid_polygonal(poly.get(), dropped);
    }
    return poly;
}

/// Per-vertex values along a line from a smooth wave: base + amp * wave(arc length).
std::vector<double> along(const Polyline& line, double base, double amp, const Wave& wave) {
    std::vector<double> v(line.size());
    double s = 0.0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (i > 0) {
            s += dist(line[i - 1], line[i]);
        }
        v[i] = base + amp * wave(s);
    }
    return v;
}

Vec2 direction_at(const Polyline& line, std::size_t seg) {
    const std::size_t k = std::min(seg, line.size() - 2);
    return unit(line[k + 1] - line[k]);
}

} // namespace

double Model::boundary_radius(double a) const noexcept {
    double r = 1.0;
    for (int k = 0; k < 6; ++k) {
        r += harmonic_amp[k] * std::cos((k + 2) * (a - rotation) + harmonic_phase[k]);
    }
    // The ellipse: radius in direction a of x^2/ax^2 + y^2/ay^2 = 1.
    const double ax = std::sqrt(aspect);
    const double ay = 1.0 / ax;
    const double c = std::cos(a - rotation);
    const double s = std::sin(a - rotation);
    const double e = 1.0 / std::sqrt(c * c / (ax * ax) + s * s / (ay * ay));
    return radius * shape_scale * r * e;
}

double Model::rho(Vec2 p) const noexcept {
    const double d = norm(p);
    if (d <= 0.0) {
        return 0.0;
    }
    return d / boundary_radius(std::atan2(p.y, p.x));
}

void build_boundary(Model& m, const wrap::GeosContext& geos) {
    Rng rng{m.seed, "boundary"};
    m.radius = std::sqrt(m.area_m2 / pi);
    m.aspect = rng.uniform(1.15, 1.4);
    m.rotation = rng.uniform(-0.35, 0.35);
    for (int k = 0; k < 6; ++k) {
        m.harmonic_amp[k] = rng.uniform(0.015, 0.055) * std::pow(2.0 / (k + 2), 0.6);
        m.harmonic_phase[k] = rng.uniform(0.0, 2.0 * pi);
    }
    m.shape_scale = 1.0;
    const auto n = static_cast<std::size_t>(std::clamp(160.0 * std::sqrt(m.radius / 3400.0), 120.0, 480.0));
    std::vector<double> jitter(n);
    for (auto& j : jitter) {
        j = 1.0 + 0.004 * rng.normal();
    }
    auto ring = [&m, &jitter, n]() {
        Polyline r;
        for (std::size_t i = 0; i < n; ++i) {
            const double a = 2.0 * pi * static_cast<double>(i) / static_cast<double>(n);
            r.push_back(from_angle(a) * (m.boundary_radius(a) * jitter[i]));
        }
        return r;
    };
    // Scale the shape to the exact target area.
    double area = 0.0;
    {
        const Polyline r = ring();
        for (std::size_t i = 0; i < r.size(); ++i) {
            area += cross(r[i], r[(i + 1) % r.size()]);
        }
        area = 0.5 * std::abs(area);
    }
    m.shape_scale = std::sqrt(m.area_m2 / area);
    m.boundary = make_polygon(geos, ring());
    if (!geos.is_valid(m.boundary.get())) {
        throw InternalError{"synth: the generated district boundary is invalid"};
    }
    m.outer = buffer(geos, m.boundary.get(), 40.0, 8);
    m.clip_area = buffer(geos, m.boundary.get(), 120.0, 8);
    m.boundary_prepared = geos.prepare(m.boundary.get());
    m.outer_prepared = geos.prepare(m.outer.get());
    m.clip_prepared = geos.prepare(m.clip_area.get());
}

void build_rivers(Model& m, const wrap::GeosContext& geos) {
    Rng rng{m.seed, "rivers"};
    const Extent e = extent_of(geos, m.clip_area.get());
    const double rx = m.radius * std::sqrt(m.aspect);
    const double ry = m.radius / std::sqrt(m.aspect);

    // The main river: south to north, meandering, a little west of the centre.
    River main;
    main.name = "Bailang River 白浪河";
    main.bank_word_en = "Bailang River";
    main.bank_word_zh = "白浪河";
    {
        const double x0 = rng.uniform(-0.2, -0.05) * rx;
        const double tilt = rng.uniform(-0.12, 0.12);
        const double a1 = rng.uniform(220.0, 360.0);
        const double l1 = rng.uniform(3400.0, 4800.0);
        const double p1 = rng.uniform(0.0, 2.0 * pi);
        const double a2 = rng.uniform(40.0, 75.0);
        const double l2 = rng.uniform(1400.0, 2000.0);
        const double p2 = rng.uniform(0.0, 2.0 * pi);
        Polyline raw;
        for (double y = e.y0 - 400.0; y <= e.y1 + 400.0; y += 20.0) {
            raw.push_back(
                Vec2{x0 + tilt * y + a1 * std::sin(2.0 * pi * y / l1 + p1) + a2 * std::sin(2.0 * pi * y / l2 + p2), y});
        }
        main.line = resample(raw, 20.0);
        const Wave width{rng, 2600.0};
        const Wave gap{rng, 1900.0};
        main.half_width = along(main.line, 40.0, 9.0, width);
        const std::vector<double> g = along(main.line, 27.0, 7.0, gap);
        main.bank_offset.resize(main.line.size());
        for (std::size_t i = 0; i < g.size(); ++i) {
            main.bank_offset[i] = main.half_width[i] + g[i];
        }
    }

    // The tributary joins it from the east, north of the centre.
    River trib;
    trib.name = "Yuhe River 虞河";
    trib.bank_word_en = "Yuhe River";
    trib.bank_word_zh = "虞河";
    std::size_t junction = 0;
    {
        const double yj = rng.uniform(0.12, 0.4) * ry;
        for (std::size_t i = 1; i < main.line.size(); ++i) {
            if (std::abs(main.line[i].y - yj) < std::abs(main.line[junction].y - yj)) {
                junction = i;
            }
        }
        const Vec2 j = main.line[junction];
        const Vec2 main_dir = unit(main.line[junction + 1] - main.line[junction - 1]);
        const Wave width{rng, 1500.0};
        const Wave gap{rng, 1300.0};
        const Polyline main_left = offset_polyline(main.line, vertex_normals(main.line), main.bank_offset);
        std::vector<double> neg(main.bank_offset.size());
        for (std::size_t i = 0; i < neg.size(); ++i) {
            neg[i] = -main.bank_offset[i];
        }
        const Polyline main_right = offset_polyline(main.line, vertex_normals(main.line), neg);
        for (int attempt = 0; attempt < 40; ++attempt) {
            const double spread = attempt < 30 ? 1.0 : 0.0;
            const Vec2 s{e.x1 + 300.0, j.y + spread * rng.uniform(-0.2, 0.3) * ry};
            const double amp = rng.uniform(60.0, 130.0);
            const double wl = rng.uniform(1100.0, 1800.0);
            const double ph = rng.uniform(0.0, 2.0 * pi);
            const double len = dist(s, j);
            const Vec2 d = unit(j - s);
            const Vec2 nrm = left_of(d);
            Polyline line;
            const auto steps = static_cast<std::size_t>(std::ceil(len / 20.0));
            for (std::size_t k = 0; k <= steps; ++k) {
                const double t = static_cast<double>(k) / static_cast<double>(steps);
                const double off = amp * std::sin(2.0 * pi * t * len / wl + ph) * std::sin(pi * t);
                line.push_back(s + d * (t * len) + nrm * off);
            }
            line.back() = j;
            // It must meet the main river only at its mouth, at a fair angle.
            const Vec2 last = unit(line.back() - line[line.size() - 3]);
            if (std::abs(cross(last, main_dir)) < 0.75) {
                continue;
            }
            const Polyline head(line.begin(), line.end() - 8);
            if (!crossings(head, main_left).empty() || !crossings(head, main_right).empty()) {
                continue;
            }
            trib.line = std::move(line);
            break;
        }
        if (trib.line.empty()) {
            throw InternalError{"synth: cannot lay out the tributary"};
        }
        trib.half_width = along(trib.line, 12.5, 2.0, width);
        const std::vector<double> g = along(trib.line, 16.0, 2.0, gap);
        trib.bank_offset.resize(trib.line.size());
        for (std::size_t i = 0; i < g.size(); ++i) {
            trib.bank_offset[i] = trib.half_width[i] + g[i];
        }
    }

    // Water areas: the tributary's stops where the main river's begins.
    wrap::GeomPtr main_water = band(geos, main.line, main.half_width);
    wrap::GeomPtr trib_water = band(geos, trib.line, trib.half_width);
    trib_water = geos.own(GEOSDifference_r(geos.handle(), trib_water.get(), main_water.get()), "river mouth");
    for (auto* w : {&main_water, &trib_water}) {
        wrap::GeomPtr clipped = geos.own(GEOSIntersection_r(geos.handle(), w->get(), m.clip_area.get()), "clip water");
        const std::string& name = w == &main_water ? main.name : trib.name;
        for (auto& part : polygon_parts(geos, clipped.get(), 50.0)) {
            m.water.push_back(WaterArea{std::move(part), name});
        }
    }
    {
        std::vector<wrap::GeomPtr> parts;
        for (const auto& w : m.water) {
            parts.push_back(geos.clone(w.geom.get()));
        }
        wrap::GeomPtr all = geos.collection(GEOS_GEOMETRYCOLLECTION, parts);
        m.water_union = geos.own(GEOSUnaryUnion_r(geos.handle(), all.get()), "water union");
        m.water_prepared = geos.prepare(m.water_union.get());
    }

    // Corridors between the bank roads.
    m.river_corridors.push_back(band(geos, main.line, main.bank_offset));
    m.river_corridors.push_back(band(geos, trib.line, trib.bank_offset));
    m.corridor =
        geos.own(GEOSUnion_r(geos.handle(), m.river_corridors[0].get(), m.river_corridors[1].get()), "corridor union");
    m.corridor_prepared = geos.prepare(m.corridor.get());

    // Bank roads: both sides of both rivers; the tributary's end at the main river's
    // bank road on its side, which bridges the river mouth.
    auto offsets = [](const River& r, double sign) {
        std::vector<double> d(r.bank_offset.size());
        for (std::size_t i = 0; i < d.size(); ++i) {
            d[i] = sign * r.bank_offset[i];
        }
        return offset_polyline(r.line, vertex_normals(r.line), d);
    };
    const Polyline main_left = offsets(main, 1.0); // west bank (the river runs north)
    const Polyline main_right = offsets(main, -1.0); // east bank
    const Vec2 main_dir = unit(main.line[junction + 1] - main.line[junction - 1]);
    const bool trib_on_left = cross(main_dir, trib.line.front() - main.line[junction]) > 0.0;
    const Polyline& mouth_bank = trib_on_left ? main_left : main_right;
    std::vector<Polyline> trib_banks; // left (south: the tributary runs west), right (north)
    for (double sign : {1.0, -1.0}) {
        const Polyline bank = offsets(trib, sign);
        const std::vector<LinePos> xs = crossings(bank, mouth_bank);
        if (xs.empty()) {
            throw InternalError{"synth: a tributary bank road misses the main bank road"};
        }
        trib_banks.push_back(cut(bank, start_of(bank), xs.front()));
    }
    auto add_bank = [&m, &geos](const Polyline& line, const std::string& name, RoadKind kind) {
        for (auto& piece : clip_line(geos, m.clip_area.get(), m.clip_prepared.get(), line)) {
            if (polyline_length(piece) >= 100.0) {
                Road r;
                r.line = std::move(piece);
                r.name = name;
                r.kind = kind;
                m.roads.push_back(std::move(r));
            }
        }
    };
    add_bank(main_left, main.bank_word_en + " West Road " + main.bank_word_zh + "西路", RoadKind::secondary);
    add_bank(main_right, main.bank_word_en + " East Road " + main.bank_word_zh + "东路", RoadKind::secondary);
    for (std::size_t i = 0; i < trib_banks.size(); ++i) {
        const Polyline& bank = trib_banks[i];
        const bool north = i == 1;
        add_bank(bank,
                 trib.bank_word_en + (north ? " North Road " : " South Road ") + trib.bank_word_zh +
                     (north ? "北路" : "南路"),
                 RoadKind::tertiary);
    }

    // Centre lines, inside the clip area.
    for (River* r : {&main, &trib}) {
        std::vector<Polyline> parts = clip_line(geos, m.clip_area.get(), m.clip_prepared.get(), r->line);
        if (parts.empty()) {
            throw InternalError{"synth: a river misses the district"};
        }
    }
    m.rivers.push_back(std::move(main));
    m.rivers.push_back(std::move(trib));
}

namespace {

/// Splits an arterial where it enters the river corridors: it keeps the crossings that
/// are fair bridges (one river, at 45 degrees or more) and ends at the bank roads
/// elsewhere. Returns the pieces to keep.
std::vector<Polyline> cross_rivers(const Model& m, const wrap::GeosContext& geos, const Polyline& line,
                                   const std::vector<const Polyline*>& banks) {
    std::vector<LinePos> cuts;
    for (const Polyline* b : banks) {
        for (const LinePos& p : crossings(line, *b)) {
            cuts.push_back(p);
        }
    }
    if (cuts.empty()) {
        return {line};
    }
    std::sort(cuts.begin(), cuts.end(), [](const LinePos& a, const LinePos& b) { return before(a, b); });
    std::vector<LinePos> stops{start_of(line)};
    for (const auto& c : cuts) {
        if (dist(c.p, stops.back().p) > 1e-6) {
            stops.push_back(c);
        }
    }
    if (dist(end_of(line).p, stops.back().p) > 1e-6) {
        stops.push_back(end_of(line));
    } else {
        stops.back() = end_of(line);
    }
    struct Interval {
        Polyline line;
        bool inside = false;
        bool keep = true;
    };
    std::vector<Interval> parts;
    for (std::size_t i = 0; i + 1 < stops.size(); ++i) {
        Interval iv;
        iv.line = cut(line, stops[i], stops[i + 1]);
        if (iv.line.size() < 2) {
            continue;
        }
        const Vec2 mid = point_along(iv.line, 0.5 * polyline_length(iv.line));
        iv.inside = contains(geos, m.corridor_prepared.get(), mid);
        parts.push_back(std::move(iv));
    }
    // Runs of inside intervals: keep fair crossings between two bank roads.
    for (std::size_t i = 0; i < parts.size();) {
        if (!parts[i].inside) {
            ++i;
            continue;
        }
        std::size_t j = i;
        Polyline run;
        while (j < parts.size() && parts[j].inside) {
            run.insert(run.end(), parts[j].line.begin() + (run.empty() ? 0 : 1), parts[j].line.end());
            ++j;
        }
        bool fair = i > 0 && j < parts.size() && polyline_length(run) < 450.0;
        std::size_t rivers_crossed = 0;
        for (const River& r : m.rivers) {
            const auto xs = crossings(run, r.line);
            rivers_crossed += xs.size();
            for (const auto& x : xs) {
                const Vec2 d = direction_at(run, x.seg);
                double best = std::numeric_limits<double>::infinity();
                Vec2 rd{0.0, 1.0};
                for (std::size_t k = 0; k + 1 < r.line.size(); ++k) {
                    double t = 0.0;
                    const double dd = point_segment_distance(x.p, r.line[k], r.line[k + 1], t);
                    if (dd < best) {
                        best = dd;
                        rd = unit(r.line[k + 1] - r.line[k]);
                    }
                }
                fair = fair && std::abs(cross(d, rd)) >= std::sin(pi / 4.0);
            }
        }
        fair = fair && rivers_crossed == 1;
        for (std::size_t k = i; k < j; ++k) {
            parts[k].keep = fair;
        }
        i = j;
    }
    std::vector<Polyline> out;
    Polyline current;
    for (const auto& p : parts) {
        if (!p.keep) {
            if (current.size() >= 2) {
                out.push_back(std::move(current));
            }
            current.clear();
            continue;
        }
        current.insert(current.end(), p.line.begin() + (current.empty() ? 0 : 1), p.line.end());
    }
    if (current.size() >= 2) {
        out.push_back(std::move(current));
    }
    return out;
}

} // namespace

void build_arterials(Model& m, const wrap::GeosContext& geos, Namer& namer) {
    Rng rng{m.seed, "arterials"};
    const Extent e = extent_of(geos, m.clip_area.get());
    const double area_km2 = m.area_m2 / 1e6;

    struct Plan {
        Polyline line;
        RoadKind kind;
        bool north_south;
        bool loose;
    };
    std::vector<Plan> plans;
    auto family = [&](bool ns) {
        const double lo = ns ? e.x0 : e.y0;
        const double hi = ns ? e.x1 : e.y1;
        const double from = ns ? e.y0 - 60.0 : e.x0 - 60.0;
        const double to = ns ? e.y1 + 60.0 : e.x1 + 60.0;
        // Tilted at most 150 m over the district, so that neighbours never meet.
        const double max_tilt = std::min(0.05, 150.0 / (0.5 * (to - from)));
        int index = 0;
        for (double c = lo + rng.uniform(250.0, 750.0); c < hi - 150.0; c += rng.uniform(850.0, 1200.0)) {
            const double tilt = rng.uniform(-max_tilt, max_tilt);
            const bool curved = rng.chance(0.35);
            const double amp = curved ? rng.uniform(30.0, 90.0) : 0.0;
            const double wl = rng.uniform(2500.0, 5000.0);
            const double ph = rng.uniform(0.0, 2.0 * pi);
            Polyline line;
            for (double s = from; s <= to + 1e-9; s += 50.0) {
                const double off = c + tilt * s + amp * std::sin(2.0 * pi * s / wl + ph);
                line.push_back(ns ? Vec2{off, s} : Vec2{s, off});
            }
            plans.push_back(Plan{std::move(line), index % 2 == 0 ? RoadKind::primary : RoadKind::secondary, ns, false});
            ++index;
        }
    };
    family(true);
    family(false);
    const double rx = m.radius * std::sqrt(m.aspect);
    const double ry = m.radius / std::sqrt(m.aspect);
    const int diagonals = std::max(1, static_cast<int>(std::lround(area_km2 / 30.0)));
    for (int i = 0; i < diagonals; ++i) {
        const Vec2 c{rng.uniform(-0.45, 0.45) * rx, rng.uniform(-0.45, 0.45) * ry};
        const double a = (rng.chance(0.5) ? 1.0 : -1.0) * rng.uniform(0.55, 1.0);
        const double len = rng.uniform(0.9, 1.6) * m.radius;
        const Vec2 d = from_angle(a);
        Polyline line;
        const auto steps = static_cast<int>(len / 50.0);
        for (int k = 0; k <= steps; ++k) {
            line.push_back(c + d * (-0.5 * len + len * k / steps));
        }
        plans.push_back(Plan{std::move(line), RoadKind::secondary, std::abs(d.y) > std::abs(d.x), true});
    }
    const int arcs = std::max(1, static_cast<int>(std::lround(area_km2 / 40.0)));
    for (int i = 0; i < arcs; ++i) {
        const Vec2 c{rng.uniform(-0.15, 0.15) * rx, rng.uniform(-0.15, 0.15) * ry};
        const double r = rng.uniform(0.45, 0.7) * m.radius;
        const double a0 = rng.uniform(0.0, 2.0 * pi);
        const double sweep = rng.uniform(1.2, 2.4);
        Polyline line;
        const auto steps = static_cast<int>(r * sweep / 40.0);
        for (int k = 0; k <= steps; ++k) {
            line.push_back(c + from_angle(a0 + sweep * k / steps) * r);
        }
        plans.push_back(Plan{std::move(line), RoadKind::primary, false, true});
    }

    // Arterials that would run along a river are left out: the bank roads serve instead.
    wrap::GeomPtr near_river = buffer(geos, m.corridor.get(), 120.0, 4);
    wrap::PreparedPtr near_prepared = geos.prepare(near_river.get());
    std::vector<const Polyline*> banks;
    for (const auto& r : m.roads) {
        banks.push_back(&r.line);
    }
    std::vector<Road> arterials;
    for (auto& plan : plans) {
        std::vector<Polyline> pieces = clip_line(geos, m.clip_area.get(), m.clip_prepared.get(), plan.line);
        const double total = [&pieces] {
            double t = 0.0;
            for (const auto& p : pieces) {
                t += polyline_length(p);
            }
            return t;
        }();
        if (total < 400.0) {
            continue;
        }
        double near_len = 0.0;
        for (const auto& p : pieces) {
            wrap::GeomPtr g = make_line(geos, p);
            wrap::GeomPtr x = geos.own(GEOSIntersection_r(geos.handle(), g.get(), near_river.get()), "near river");
            near_len += geos.length(x.get());
        }
        if (near_len > 0.3 * total && near_len > 600.0) {
            continue;
        }
        const std::string name =
            namer.unique("road", plan.north_south ? Suffix{"Road", "路", true} : Suffix{"Street", "街", true});
        for (const auto& p : pieces) {
            for (auto& piece : cross_rivers(m, geos, p, banks)) {
                if (polyline_length(piece) < 200.0) {
                    continue;
                }
                Road r;
                r.line = std::move(piece);
                r.name = name;
                r.kind = plan.kind;
                r.trim_loose_ends = plan.loose;
                arterials.push_back(std::move(r));
            }
        }
    }
    for (auto& a : arterials) {
        m.roads.push_back(std::move(a));
    }

    // Node arterials and bank roads; cut loose ends of diagonals and arcs back to their
    // last junction.
    std::vector<Polyline*> lines;
    for (auto& r : m.roads) {
        lines.push_back(&r.line);
    }
    const auto junction = node_lines(lines, node_tolerance);
    std::vector<Road> kept;
    for (std::size_t i = 0; i < m.roads.size(); ++i) {
        Road& r = m.roads[i];
        if (!r.trim_loose_ends) {
            kept.push_back(std::move(r));
            continue;
        }
        const auto& j = junction[i];
        std::size_t first = 0;
        std::size_t last = r.line.size() - 1;
        if (contains(geos, m.outer_prepared.get(), r.line.front())) {
            while (first < r.line.size() && j[first] == 0) {
                ++first;
            }
        }
        if (contains(geos, m.outer_prepared.get(), r.line.back())) {
            while (last > 0 && j[last] == 0) {
                --last;
            }
        }
        if (first >= r.line.size() || last == 0 || first >= last) {
            continue;
        }
        Polyline trimmed(r.line.begin() + static_cast<std::ptrdiff_t>(first),
                         r.line.begin() + static_cast<std::ptrdiff_t>(last) + 1);
        if (polyline_length(trimmed) < 150.0) {
            continue;
        }
        r.line = std::move(trimmed);
        kept.push_back(std::move(r));
    }
    m.roads = std::move(kept);
    m.arterial_count = m.roads.size();
}

void build_superblocks(Model& m, const wrap::GeosContext& geos, Namer& namer) {
    Rng rng{m.seed, "superblocks"};
    std::vector<wrap::GeomPtr> lines;
    for (const auto& r : m.roads) {
        lines.push_back(make_line(geos, r.line));
    }
    lines.push_back(geos.own(GEOSBoundary_r(geos.handle(), m.outer.get()), "outer ring"));
    std::vector<wrap::GeomPtr> faces = polygonize(geos, lines);
    for (auto& f : faces) {
        const Vec2 p = inside_point(geos, f.get());
        if (!contains(geos, m.outer_prepared.get(), p)) {
            continue;
        }
        Superblock sb;
        sb.zone = contains(geos, m.corridor_prepared.get(), p) ? Zone::riverside : Zone::urban;
        const bool inside =
            geos.check_bool(GEOSPreparedContains_r(geos.handle(), m.boundary_prepared.get(), f.get()), "contains");
        const bool wet =
            sb.zone == Zone::urban &&
            geos.check_bool(GEOSPreparedIntersects_r(geos.handle(), m.corridor_prepared.get(), f.get()), "intersects");
        sb.land = inside ? geos.clone(f.get())
                         : geos.own(GEOSIntersection_r(geos.handle(), f.get(), m.boundary.get()), "superblock land");
        if (wet) {
            // Land only: a face that reaches into a corridor (where a bank road is missing) stops there.
            wrap::GeomPtr dry = geos.own(GEOSDifference_r(geos.handle(), sb.land.get(), m.corridor.get()), "dry land");
            if (std::abs(geos.area(dry.get()) - geos.area(sb.land.get())) > 1.0) {
                sb.land = std::move(dry);
            } else {
                sb.land_is_face = inside;
            }
        } else {
            sb.land_is_face = inside;
        }
        sb.area = geos.area(sb.land.get());
        if (sb.area < 500.0) {
            continue;
        }
        sb.face = std::move(f);
        sb.label = inside_point(geos, sb.land.get());
        sb.rho = m.rho(sb.label);
        m.superblocks.push_back(std::move(sb));
    }
    if (m.superblocks.empty()) {
        throw InternalError{"synth: the road network encloses no land"};
    }

    // Rail yards and industrial parks towards the edge.
    double land = 0.0;
    for (const auto& sb : m.superblocks) {
        land += sb.zone == Zone::urban ? sb.area : 0.0;
    }
    const double area_km2 = m.area_m2 / 1e6;
    const int yards = std::max(1, static_cast<int>(std::lround(area_km2 / 60.0)));
    const double yard_max = std::max(0.3e6, 0.035 * land);
    for (int y = 0; y < yards; ++y) {
        std::vector<double> w;
        std::size_t smallest = SIZE_MAX;
        for (std::size_t i = 0; i < m.superblocks.size(); ++i) {
            const auto& sb = m.superblocks[i];
            const bool edge = sb.zone == Zone::urban && sb.rho > 0.55 && sb.area > 0.08e6;
            w.push_back(edge && sb.area <= yard_max ? sb.rho * sb.rho : 0.0);
            if (edge && (smallest == SIZE_MAX || sb.area < m.superblocks[smallest].area)) {
                smallest = i;
            }
        }
        const bool any = std::any_of(w.begin(), w.end(), [](double v) { return v > 0.0; });
        if (!any && smallest == SIZE_MAX) {
            break;
        }
        Superblock& sb = m.superblocks[any ? rng.weighted(w) : smallest];
        sb.zone = Zone::rail_yard;
        sb.name = y == 0 ? "Weifang Freight Yard 潍坊货运站"
                         : "Weifang Freight Yard " + std::to_string(y + 1) + " 潍坊货运" + std::to_string(y + 1) + "站";
    }
    const int industrial_parks = std::max(1, static_cast<int>(std::lround(area_km2 / 35.0)));
    std::vector<Vec2> seeds;
    for (int i = 0; i < industrial_parks; ++i) {
        const double a = rng.uniform(0.0, 2.0 * pi);
        seeds.push_back(from_angle(a) * (0.85 * m.boundary_radius(a)));
    }
    std::vector<std::pair<double, std::size_t>> order;
    for (std::size_t i = 0; i < m.superblocks.size(); ++i) {
        const auto& sb = m.superblocks[i];
        if (sb.zone != Zone::urban || sb.rho < 0.45) {
            continue;
        }
        double d = std::numeric_limits<double>::infinity();
        for (const auto& s : seeds) {
            d = std::min(d, dist(s, sb.label));
        }
        order.emplace_back(d, i);
    }
    std::sort(order.begin(), order.end());
    std::vector<std::string> park_names;
    for (int i = 0; i < industrial_parks; ++i) {
        park_names.push_back(namer.unique("industrial park", Suffix{"Industrial Park", "工业园"}));
    }
    double industry = 0.0;
    const double industry_target = 0.08 * land;
    for (const auto& [d, i] : order) {
        if (industry >= industry_target) {
            break;
        }
        Superblock& sb = m.superblocks[i];
        if (industry + sb.area > 1.3 * industry_target) {
            continue; // too big to be the industrial park's next plot
        }
        sb.zone = Zone::industry;
        std::size_t nearest = 0;
        for (std::size_t s = 1; s < seeds.size(); ++s) {
            if (dist(seeds[s], sb.label) < dist(seeds[nearest], sb.label)) {
                nearest = s;
            }
        }
        sb.name = park_names[nearest];
        industry += sb.area;
    }
}

} // namespace gridplan::synth::detail
