// Who lives and works in the district: household points, units (villages, communities,
// resident-unit organisations), community service centres, service facilities, and the
// land use polygons.
#include "synth/detail/model.hpp"

#include "gridplan/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace gridplan::synth::detail {

std::vector<std::int64_t> split_count(std::int64_t total, std::size_t n, std::int64_t lo, std::int64_t hi, Rng& rng) {
    std::vector<std::int64_t> c(n, 0);
    if (n == 0) {
        return c;
    }
    const auto nn = static_cast<std::int64_t>(n);
    const std::int64_t base = total / nn;
    const std::int64_t rem = total % nn;
    for (std::size_t i = 0; i < n; ++i) {
        c[i] = base + (static_cast<std::int64_t>(i) < rem ? 1 : 0);
    }
    const std::int64_t max_step = std::max<std::int64_t>(1, std::llround(0.35 * static_cast<double>(base)));
    for (std::size_t k = 0; k < 2 * n; ++k) {
        const std::size_t i = rng.index(n);
        const std::size_t j = rng.index(n);
        if (i == j) {
            continue;
        }
        const std::int64_t room = std::min(c[i] - lo, hi - c[j]);
        if (room <= 0) {
            continue;
        }
        const std::int64_t d = rng.integer(0, std::min(room, max_step));
        c[i] -= d;
        c[j] += d;
    }
    return c;
}

namespace {

constexpr double pi = 3.14159265358979323846;
const char* const all_services = "medical,childcare,elderly,shopping,leisure,fitness,relief,mediation";

/// Households per km2 of residential land before scaling: dense core, thinner edge.
double density_profile(double rho) {
    const double inner = std::clamp(1.0 - rho, 0.0, 1.0);
    return 3000.0 + 8500.0 * std::pow(inner, 1.1);
}

/// Segments of the alleys of a block, for keeping buildings off them.
class SegmentSet {
public:
    explicit SegmentSet(const std::vector<Polyline>& lines) {
        for (const auto& l : lines) {
            for (std::size_t i = 0; i + 1 < l.size(); ++i) {
                m_segs.push_back({l[i], l[i + 1]});
            }
        }
    }
    bool clear_of(Vec2 p, double d) const noexcept {
        for (const auto& [a, b] : m_segs) {
            if (p.x < std::min(a.x, b.x) - d || p.x > std::max(a.x, b.x) + d || p.y < std::min(a.y, b.y) - d ||
                p.y > std::max(a.y, b.y) + d) {
                continue;
            }
            const Vec2 ab = b - a;
            const double l2 = dot(ab, ab);
            const double t = l2 > 0.0 ? std::clamp(dot(p - a, ab) / l2, 0.0, 1.0) : 0.0;
            const Vec2 q = a + ab * t - p;
            if (dot(q, q) < d * d) {
                return false;
            }
        }
        return true;
    }

private:
    std::vector<std::pair<Vec2, Vec2>> m_segs;
};

/// A jittered lattice of points inside `area`, rows along `angle`, clear of the alleys.
std::vector<Vec2> lattice(const wrap::GeosContext& geos, const GEOSGeometry* area, const GEOSPreparedGeometry* prepared,
                          double angle, double dx, double dy, double jitter, bool stagger, const SegmentSet& alleys,
                          double clearance, Rng& rng) {
    const Vec2 e1 = from_angle(angle);
    const Vec2 e2 = left_of(e1);
    std::vector<double> xy;
    geos.coordinates(area, xy);
    double u0 = std::numeric_limits<double>::infinity();
    double v0 = u0;
    double u1 = -u0;
    double v1 = -u0;
    for (std::size_t i = 0; i + 1 < xy.size(); i += 2) {
        const Vec2 p{xy[i], xy[i + 1]};
        u0 = std::min(u0, dot(p, e1));
        u1 = std::max(u1, dot(p, e1));
        v0 = std::min(v0, dot(p, e2));
        v1 = std::max(v1, dot(p, e2));
    }
    std::vector<Vec2> out;
    const double start_u = u0 + rng.uniform(0.0, dx);
    int row = 0;
    for (double v = v0 + rng.uniform(0.0, dy); v <= v1; v += dy, ++row) {
        const double shift = stagger && row % 2 == 1 ? 0.5 * dx : 0.0;
        for (double u = start_u + shift; u <= u1; u += dx) {
            const Vec2 p =
                e1 * (u + jitter * dx * rng.uniform(-1.0, 1.0)) + e2 * (v + jitter * dy * rng.uniform(-1.0, 1.0));
            if (alleys.clear_of(p, clearance) && contains(geos, prepared, p)) {
                out.push_back(p);
            }
        }
    }
    return out;
}

/// `n` of the candidates, chosen at random, in their original order.
std::vector<Vec2> choose(const std::vector<Vec2>& cand, std::size_t n, Rng& rng) {
    if (n >= cand.size()) {
        return cand;
    }
    std::vector<std::size_t> idx(cand.size());
    for (std::size_t i = 0; i < idx.size(); ++i) {
        idx[i] = i;
    }
    for (std::size_t i = 0; i < n; ++i) {
        std::swap(idx[i], idx[i + rng.index(idx.size() - i)]);
    }
    idx.resize(n);
    std::sort(idx.begin(), idx.end());
    std::vector<Vec2> out;
    for (auto i : idx) {
        out.push_back(cand[i]);
    }
    return out;
}

wrap::GeomPtr shrink(const wrap::GeosContext& geos, const GEOSGeometry* g, double d) {
    return buffer(geos, g, -d, 4);
}

/// A random point inside `area` (falls back to a point on its surface).
Vec2 random_point_in(const wrap::GeosContext& geos, const GEOSGeometry* area, Rng& rng) {
    double x0 = 0.0;
    double y0 = 0.0;
    double x1 = 0.0;
    double y1 = 0.0;
    geos.bounds(area, x0, y0, x1, y1);
    wrap::PreparedPtr prepared = geos.prepare(area);
    for (int i = 0; i < 60; ++i) {
        const Vec2 p{rng.uniform(x0, x1), rng.uniform(y0, y1)};
        if (contains(geos, prepared.get(), p)) {
            return p;
        }
    }
    return inside_point(geos, area);
}

/// Points of a polygon suitable for a building: shrunk land, or the land itself.
wrap::GeomPtr placement_area(const wrap::GeosContext& geos, const Block& b, double setback) {
    wrap::GeomPtr p = shrink(geos, b.land.get(), setback);
    if (geos.is_empty(p.get()) || geos.area(p.get()) < 1.0) {
        p = shrink(geos, b.land.get(), 4.5);
    }
    return p;
}

/// Nearest-point queries over the household points.
class PointGrid {
public:
    PointGrid(const std::vector<HouseholdPoint>& pts, double cell) : m_pts(pts), m_cell(cell) {
        for (std::uint32_t i = 0; i < pts.size(); ++i) {
            m_cells[key(cell_of(pts[i].p.x), cell_of(pts[i].p.y))].push_back(i);
        }
    }
    /// The nearest point accepted by `ok`, or SIZE_MAX.
    template <typename Ok>
    std::size_t nearest(Vec2 p, Ok ok) const {
        const std::int64_t cx = cell_of(p.x);
        const std::int64_t cy = cell_of(p.y);
        std::size_t best = SIZE_MAX;
        double best_d = std::numeric_limits<double>::infinity();
        for (std::int64_t r = 0; r < 400; ++r) {
            if (best != SIZE_MAX && best_d < (static_cast<double>(r) - 1.0) * m_cell) {
                break;
            }
            for (std::int64_t ix = cx - r; ix <= cx + r; ++ix) {
                for (std::int64_t iy = cy - r; iy <= cy + r; ++iy) {
                    if (std::max(std::abs(ix - cx), std::abs(iy - cy)) != r) {
                        continue;
                    }
                    const auto it = m_cells.find(key(ix, iy));
                    if (it == m_cells.end()) {
                        continue;
                    }
                    for (auto i : it->second) {
                        const double d = dist(m_pts[i].p, p);
                        if ((d < best_d || (d == best_d && i < best)) && ok(i)) {
                            best_d = d;
                            best = i;
                        }
                    }
                }
            }
        }
        return best;
    }

private:
    std::int64_t cell_of(double v) const { return static_cast<std::int64_t>(std::floor(v / m_cell)); }
    static std::pair<std::int64_t, std::int64_t> key(std::int64_t x, std::int64_t y) { return {x, y}; }

    const std::vector<HouseholdPoint>& m_pts;
    double m_cell;
    std::map<std::pair<std::int64_t, std::int64_t>, std::vector<std::uint32_t>> m_cells;
};

/// A point near `p` inside block `b` (offset by 6-20 m when there is room).
Vec2 near_inside(const wrap::GeosContext& geos, const Block& b, Vec2 p, Rng& rng) {
    wrap::GeomPtr area = shrink(geos, b.land.get(), 3.0);
    if (geos.is_empty(area.get())) {
        return p;
    }
    wrap::PreparedPtr prepared = geos.prepare(area.get());
    for (int i = 0; i < 6; ++i) {
        const Vec2 q = p + from_angle(rng.uniform(0.0, 2.0 * pi)) * rng.uniform(6.0, 20.0);
        if (contains(geos, prepared.get(), q)) {
            return q;
        }
    }
    return p;
}

} // namespace

void place_households(Model& m, const wrap::GeosContext& geos) {
    Rng rng{m.seed, "households"};
    std::vector<double> weight(m.blocks.size(), 0.0);
    double total = 0.0;
    for (std::size_t i = 0; i < m.blocks.size(); ++i) {
        const Block& b = m.blocks[i];
        if (!residential(b.use)) {
            continue;
        }
        const double factor = b.use == LandUse::village ? 1.1 : b.use == LandUse::mixed ? 0.75 : 1.0;
        weight[i] = b.area / 1e6 * density_profile(b.rho) * factor;
        total += weight[i];
    }
    if (!(total > 0.0)) {
        throw InternalError{"synth: no residential land"};
    }
    // Largest remainders: quotas that add up exactly.
    std::int64_t assigned = 0;
    std::vector<std::pair<double, std::size_t>> remainders;
    for (std::size_t i = 0; i < m.blocks.size(); ++i) {
        const double raw = static_cast<double>(m.households) * weight[i] / total;
        m.blocks[i].quota = static_cast<std::int64_t>(std::floor(raw));
        assigned += m.blocks[i].quota;
        if (weight[i] > 0.0) {
            remainders.emplace_back(-(raw - std::floor(raw)), i);
        }
    }
    std::sort(remainders.begin(), remainders.end());
    for (std::size_t k = 0; assigned < m.households && k < remainders.size(); ++k, ++assigned) {
        ++m.blocks[remainders[k].second].quota;
    }

    std::int64_t carry = 0;
    for (std::uint32_t bi = 0; bi < m.blocks.size(); ++bi) {
        Block& b = m.blocks[bi];
        if (!residential(b.use) || (b.quota == 0 && carry == 0)) {
            continue;
        }
        const std::int64_t q = b.quota + carry;
        carry = 0;
        if (q == 0) {
            continue;
        }
        const SegmentSet alleys{b.alleys};
        const double inner = std::clamp(1.0 - b.rho, 0.0, 1.0);
        LandUse kind = b.use;
        std::int64_t lo = 1;
        std::int64_t hi = 40;
        double mean = 7.0 + 7.0 * inner;
        if (kind == LandUse::compound) {
            lo = 50;
            hi = 300;
            mean = (60.0 + 60.0 * inner) * rng.uniform(0.85, 1.15);
            if (q < 50) {
                kind = LandUse::mixed;
                lo = 1;
                hi = 40;
                mean = 10.0;
            }
        } else if (kind == LandUse::village) {
            lo = 1;
            hi = 3;
            mean = 2.0;
        }
        const double setback = kind == LandUse::compound ? 10.0 : kind == LandUse::village ? 4.5 : 6.0;
        const double clearance = kind == LandUse::compound ? 9.0 : kind == LandUse::village ? 2.5 : 5.0;
        wrap::GeomPtr area = placement_area(geos, b, setback);
        std::vector<Vec2> cand;
        std::size_t n = 0;
        if (!geos.is_empty(area.get())) {
            wrap::PreparedPtr prepared = geos.prepare(area.get());
            const auto n_lo = static_cast<std::size_t>((q + hi - 1) / hi);
            const auto n_hi = static_cast<std::size_t>(q / lo);
            n = std::clamp(
                static_cast<std::size_t>(std::max<std::int64_t>(1, std::llround(static_cast<double>(q) / mean))), n_lo,
                n_hi);
            const double a = geos.area(area.get());
            double dx = 0.0;
            double dy = 0.0;
            double angle = b.orientation;
            double jitter = 0.15;
            bool stagger = false;
            if (kind == LandUse::compound) {
                const double cell = a / (static_cast<double>(n) * 1.3);
                dy = std::max(24.0, std::sqrt(cell * 1.6));
                dx = std::max(15.0, cell / dy);
                angle = rng.uniform(-0.05, 0.05); // slabs facing south
                jitter = 0.06;
            } else if (kind == LandUse::village) {
                dx = dy = std::max(6.0, std::sqrt(a / (static_cast<double>(n) * 1.15)));
                angle += rng.uniform(-0.1, 0.1);
                jitter = 0.3;
                stagger = true;
            } else {
                dx = dy = std::max(10.0, std::sqrt(a / (static_cast<double>(n) * 1.3)));
                jitter = 0.2;
            }
            for (int attempt = 0; attempt < 8; ++attempt) {
                cand =
                    lattice(geos, area.get(), prepared.get(), angle, dx, dy, jitter, stagger, alleys, clearance, rng);
                if (cand.size() >= n) {
                    break;
                }
                dx = std::max(3.0, dx * 0.85);
                dy = std::max(3.0, dy * 0.85);
            }
            if (cand.empty()) {
                cand.push_back(inside_point(geos, area.get()));
            }
            if (cand.size() < n_lo) {
                // Not enough room for this many buildings: fewer, bigger ones.
                lo = 1;
                hi = q;
            }
            n = std::min(n, cand.size());
            n = std::max<std::size_t>(n, static_cast<std::size_t>((q + hi - 1) / hi));
            n = std::min(n, cand.size());
        }
        if (n == 0) {
            carry = q;
            continue;
        }
        const std::vector<Vec2> chosen = choose(cand, n, rng);
        const std::vector<std::int64_t> counts = split_count(q, chosen.size(), lo, hi, rng);
        for (std::size_t k = 0; k < chosen.size(); ++k) {
            if (counts[k] > 0) {
                m.points.push_back(HouseholdPoint{chosen[k], counts[k], bi});
            }
        }
    }
    if (carry > 0) {
        if (m.points.empty()) {
            throw InternalError{"synth: no room for household points"};
        }
        m.points.back().count += carry;
    }
}

void place_units(Model& m, const wrap::GeosContext& geos, Namer& namer) {
    Rng rng{m.seed, "units"};
    auto add_area_unit = [&](Block& b, const std::string& name, const char* kind) {
        Place u;
        wrap::GeomPtr area = shrink(geos, b.land.get(), 5.0);
        std::vector<wrap::GeomPtr> parts = polygon_parts(geos, area.get(), 50.0);
        if (parts.empty()) {
            return;
        }
        std::size_t largest = 0;
        for (std::size_t i = 1; i < parts.size(); ++i) {
            if (geos.area(parts[i].get()) > geos.area(parts[largest].get())) {
                largest = i;
            }
        }
        u.area = std::move(parts[largest]);
        u.p = inside_point(geos, u.area.get());
        u.name = name;
        u.kind = kind;
        b.unit = static_cast<std::int64_t>(m.units.size());
        m.units.push_back(std::move(u));
    };
    for (auto& b : m.blocks) {
        if (b.use == LandUse::village) {
            add_area_unit(b, b.name, "village");
        } else if (b.use == LandUse::compound) {
            add_area_unit(b, namer.unique("community", Suffix{"Community", "社区"}, &b.word), "community");
            b.word = namer.last_word();
        }
    }
    for (auto& b : m.blocks) {
        if (b.use != LandUse::campus) {
            continue;
        }
        wrap::GeomPtr area = shrink(geos, b.land.get(), 8.0);
        Place u;
        u.p = geos.is_empty(area.get()) ? b.label : random_point_in(geos, area.get(), rng);
        u.name = b.name;
        u.kind = b.name.find("Hospital") != std::string::npos ? "hospital" : "school";
        m.units.push_back(std::move(u));
    }
    for (const auto& sb : m.superblocks) {
        if (sb.zone == Zone::rail_yard) {
            wrap::GeomPtr area = shrink(geos, sb.land.get(), 8.0);
            Place u;
            u.p = geos.is_empty(area.get()) ? sb.label : random_point_in(geos, area.get(), rng);
            u.name = sb.name;
            u.kind = "company";
            m.units.push_back(std::move(u));
        }
    }

    // Resident-unit organisations: companies, agencies, markets, schools, hospitals.
    // About 500 units at 250,000 households: villages and communities, the rest
    // organisations (at least a third).
    const double scale = static_cast<double>(m.households) / 250000.0;
    const auto target = static_cast<std::int64_t>(std::llround(500.0 * scale));
    const auto with_area = static_cast<std::int64_t>(std::count_if(
        m.units.begin(), m.units.end(), [](const Place& p) { return p.kind == "village" || p.kind == "community"; }));
    const auto placed = static_cast<std::int64_t>(m.units.size()) - with_area;
    const std::int64_t organisations = std::max<std::int64_t>(0, std::max(target - with_area, target / 3) - placed);
    struct Kind {
        const char* kind;
        double weight;
        std::vector<Suffix> names;
    };
    const std::vector<Kind> kinds = {
        {"company",
         0.42,
         {{"Textile Co., Ltd.", "纺织有限公司"},
          {"Machinery Co., Ltd.", "机械有限公司"},
          {"Food Co., Ltd.", "食品有限公司"},
          {"Logistics Co., Ltd.", "物流有限公司"},
          {"Electronics Co., Ltd.", "电子有限公司"},
          {"Printing Co., Ltd.", "印刷有限公司"},
          {"Trading Co., Ltd.", "商贸有限公司"},
          {"Construction Co., Ltd.", "建设有限公司"},
          {"Pharmaceutical Co., Ltd.", "制药有限公司"},
          {"Auto Parts Co., Ltd.", "汽车配件有限公司"}}},
        {"agency",
         0.25,
         {{"Subdistrict Office", "街道办事处"},
          {"Police Station", "派出所"},
          {"Tax Office", "税务所"},
          {"Market Supervision Office", "市场监管所"},
          {"People's Court", "人民法庭"},
          {"Post Office", "邮政所"},
          {"Fire Station", "消防站"},
          {"Power Supply Office", "供电所"}}},
        {"market",
         0.15,
         {{"Farmers' Market", "农贸市场"}, {"Shopping Mall", "购物中心"}, {"Wholesale Market", "批发市场"}}},
        {"school", 0.12, {{"Primary School", "小学"}, {"Kindergarten", "幼儿园"}, {"Middle School", "中学"}}},
        {"hospital", 0.06, {{"Hospital", "医院"}, {"Maternity and Child Health Hospital", "妇幼保健院"}}},
    };
    std::vector<double> kind_weights;
    for (const auto& k : kinds) {
        kind_weights.push_back(k.weight);
    }
    std::vector<double> industry_w(m.blocks.size(), 0.0);
    std::vector<double> urban_w(m.blocks.size(), 0.0);
    std::vector<double> compound_w(m.blocks.size(), 0.0);
    for (std::size_t i = 0; i < m.blocks.size(); ++i) {
        const Block& b = m.blocks[i];
        const double core = 1.0 + 2.0 * std::clamp(1.0 - b.rho, 0.0, 1.0);
        industry_w[i] = b.use == LandUse::industry ? b.area : 0.0;
        urban_w[i] = b.use == LandUse::mixed ? b.area * core : 0.0;
        compound_w[i] = b.use == LandUse::compound ? b.area * core : 0.0;
    }
    auto any = [](const std::vector<double>& w) {
        return std::any_of(w.begin(), w.end(), [](double v) { return v > 0.0; });
    };
    for (std::int64_t k = 0; k < organisations; ++k) {
        const Kind& kind = kinds[rng.weighted(kind_weights)];
        const bool in_industry = std::string{kind.kind} == "company" && rng.chance(0.55) && any(industry_w);
        const std::vector<double>& w = in_industry ? industry_w : any(urban_w) ? urban_w : compound_w;
        if (!any(w)) {
            break;
        }
        const Block& b = m.blocks[rng.weighted(w)];
        wrap::GeomPtr area = shrink(geos, b.land.get(), 8.0);
        Place u;
        u.p = geos.is_empty(area.get()) ? b.label : random_point_in(geos, area.get(), rng);
        const Suffix& s = kind.names[rng.index(kind.names.size())];
        const Word w_pref = std::string{kind.kind} == "company" ? namer.word() : b.word;
        u.name = namer.unique(s.en, s, &w_pref);
        u.kind = kind.kind;
        m.units.push_back(std::move(u));
    }
}

void place_centres(Model& m, const wrap::GeosContext& geos, Namer& namer) {
    Rng rng{m.seed, "centres"};
    const auto count = static_cast<std::size_t>(
        std::max<std::int64_t>(1, std::llround(static_cast<double>(m.households) / 6000.0 * 36.0 / 42.0)));
    // Households aggregated on a 200 m grid.
    struct Cell {
        double w = 0.0;
        double x = 0.0;
        double y = 0.0;
    };
    std::map<std::pair<std::int64_t, std::int64_t>, Cell> grid;
    for (const auto& p : m.points) {
        auto& c = grid[{static_cast<std::int64_t>(std::floor(p.p.x / 200.0)),
                        static_cast<std::int64_t>(std::floor(p.p.y / 200.0))}];
        const auto w = static_cast<double>(p.count);
        c.w += w;
        c.x += w * p.p.x;
        c.y += w * p.p.y;
    }
    std::vector<Cell> cells;
    for (auto& [k, c] : grid) {
        cells.push_back(Cell{c.w, c.x / c.w, c.y / c.w});
    }
    // k-means++ seeding and Lloyd iterations: where a planner would put them...
    std::vector<Vec2> centres;
    {
        std::vector<double> w;
        for (const auto& c : cells) {
            w.push_back(c.w);
        }
        const Cell& first = cells[rng.weighted(w)];
        centres.push_back(Vec2{first.x, first.y});
        std::vector<double> d2(cells.size(), std::numeric_limits<double>::infinity());
        while (centres.size() < std::min(count, cells.size())) {
            for (std::size_t i = 0; i < cells.size(); ++i) {
                const Vec2 p{cells[i].x, cells[i].y};
                const double d = dist(p, centres.back());
                d2[i] = std::min(d2[i], d * d);
                w[i] = cells[i].w * d2[i];
            }
            const Cell& c = cells[rng.weighted(w)];
            centres.push_back(Vec2{c.x, c.y});
        }
    }
    for (int iter = 0; iter < 12; ++iter) {
        std::vector<Cell> sums(centres.size());
        for (const auto& c : cells) {
            std::size_t best = 0;
            double bd = std::numeric_limits<double>::infinity();
            for (std::size_t k = 0; k < centres.size(); ++k) {
                const double dx = c.x - centres[k].x;
                const double dy = c.y - centres[k].y;
                const double d = dx * dx + dy * dy;
                if (d < bd) {
                    bd = d;
                    best = k;
                }
            }
            sums[best].w += c.w;
            sums[best].x += c.w * c.x;
            sums[best].y += c.w * c.y;
        }
        for (std::size_t k = 0; k < centres.size(); ++k) {
            if (sums[k].w > 0.0) {
                centres[k] = Vec2{sums[k].x / sums[k].w, sums[k].y / sums[k].w};
            }
        }
    }
    // ...but centres were built where there was a building to spare: some crowd each
    // other, some sit towards the edge of the district.
    for (std::size_t k = 0; k < centres.size(); ++k) {
        const double r = rng.uniform();
        if (r < 0.15 && centres.size() > 1) {
            std::size_t near = k == 0 ? 1 : 0;
            for (std::size_t j = 0; j < centres.size(); ++j) {
                if (j != k && dist(centres[j], centres[k]) < dist(centres[near], centres[k])) {
                    near = j;
                }
            }
            centres[k] = centres[near] + unit(centres[k] - centres[near]) * rng.uniform(250.0, 420.0);
        } else if (r < 0.27) {
            centres[k] = centres[k] + unit(centres[k]) * rng.uniform(300.0, 650.0);
        }
    }
    // Each in a building of a compound, village or mixed block.
    const PointGrid index{m.points, 250.0};
    std::vector<std::uint8_t> used(m.points.size(), 0);
    for (const Vec2& c : centres) {
        const std::size_t i = index.nearest(c, [&used](std::size_t j) { return used[j] == 0; });
        if (i == SIZE_MAX) {
            break;
        }
        used[i] = 1;
        const Block& b = m.blocks[m.points[i].block];
        Place centre;
        centre.p = near_inside(geos, b, m.points[i].p, rng);
        centre.name = namer.unique("centre", Suffix{"Community Service Centre", "社区服务中心"}, &b.word);
        centre.services = all_services;
        m.centres.push_back(std::move(centre));
    }
}

void place_facilities(Model& m, const wrap::GeosContext& geos, Namer& namer) {
    Rng rng{m.seed, "facilities"};
    struct Type {
        Suffix name;
        const char* services;
        double weight;
    };
    const std::vector<Type> types = {
        {{"Clinic", "诊所"}, "medical", 14.0},
        {{"Community Health Station", "社区卫生服务站"}, "medical", 8.0},
        {{"Kindergarten", "幼儿园"}, "childcare", 12.0},
        {{"Nursery", "托育园"}, "childcare", 4.0},
        {{"Elderly Day Care Centre", "老年日间照料中心"}, "elderly", 8.0},
        {{"Nursing Home", "养老院"}, "medical,elderly", 3.0},
        {{"Supermarket", "超市"}, "shopping", 16.0},
        {{"Farmers' Market", "农贸市场"}, "shopping", 6.0},
        {{"Convenience Store", "便利店"}, "shopping", 8.0},
        {{"Cultural Activity Room", "文化活动室"}, "leisure", 6.0},
        {{"Library", "图书馆"}, "leisure", 2.0},
        {{"Fitness Square", "健身广场"}, "fitness", 6.0},
        {{"Gym", "健身房"}, "fitness", 4.0},
        {{"Sports and Culture Centre", "文体中心"}, "leisure,fitness", 3.0},
        {{"Health and Elderly Care Station", "医养结合服务站"}, "medical,elderly", 3.0},
        {{"Social Assistance Station", "社会救助站"}, "relief", 1.5},
        {{"People's Mediation Room", "人民调解室"}, "mediation", 1.5},
        {{"Civil Affairs Service Station", "民政服务站"}, "relief,mediation", 1.0},
    };
    std::vector<double> type_w;
    for (const auto& t : types) {
        type_w.push_back(t.weight);
    }
    // Denser in the core: points weighted by households and centrality.
    std::vector<double> cumulative;
    double total = 0.0;
    for (const auto& p : m.points) {
        const double inner = std::clamp(1.0 - m.blocks[p.block].rho, 0.0, 1.0);
        total += static_cast<double>(p.count) * (1.0 + 2.5 * inner * inner);
        cumulative.push_back(total);
    }
    const double scale = static_cast<double>(m.households) / 250000.0;
    const auto count = static_cast<std::size_t>(std::max<std::int64_t>(5, std::llround(450.0 * scale)));
    for (std::size_t k = 0; k < count && total > 0.0; ++k) {
        const double x = rng.uniform() * total;
        const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), x);
        const std::size_t i =
            std::min<std::size_t>(static_cast<std::size_t>(it - cumulative.begin()), cumulative.size() - 1);
        const HouseholdPoint& hp = m.points[i];
        const Block& b = m.blocks[hp.block];
        const Type& t = types[rng.weighted(type_w)];
        Place f;
        f.p = near_inside(geos, b, hp.p, rng);
        f.name = namer.unique(std::string{"facility "} + t.name.en, t.name, &b.word);
        f.services = t.services;
        m.facilities.push_back(std::move(f));
    }
}

void build_landuse(Model& m, const wrap::GeosContext& geos) {
    for (const auto& b : m.blocks) {
        if (b.use == LandUse::none) {
            continue;
        }
        wrap::GeomPtr area = shrink(geos, b.land.get(), 4.0);
        for (auto& part : polygon_parts(geos, area.get(), 150.0)) {
            m.landuse.push_back(LandArea{std::move(part), b.use, b.name});
        }
    }
    for (const auto& sb : m.superblocks) {
        if (sb.zone != Zone::riverside) {
            continue;
        }
        wrap::GeomPtr dry = geos.own(GEOSDifference_r(geos.handle(), sb.land.get(), m.water_union.get()), "riverside");
        wrap::GeomPtr area = shrink(geos, dry.get(), 3.0);
        const bool main = geos.check_bool(
            GEOSIntersects_r(geos.handle(), m.river_corridors[0].get(), make_point(geos, sb.label).get()),
            "intersects");
        const River& r = m.rivers[main ? 0 : 1];
        const std::string name = r.bank_word_en + " Riverside Park " + r.bank_word_zh + "滨河公园";
        for (auto& part : polygon_parts(geos, area.get(), 300.0)) {
            m.landuse.push_back(LandArea{std::move(part), LandUse::park, name});
        }
    }
}

} // namespace gridplan::synth::detail
