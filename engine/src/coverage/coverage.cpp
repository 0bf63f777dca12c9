#include "gridplan/coverage/coverage.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <queue>

namespace gridplan::coverage {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using BPoint = bg::model::d2::point_xy<double>;
using BBox = bg::model::box<BPoint>;
using network::no_index;
using network::unreachable;

void CoverageConfig::validate() const {
    if (!(radius_min > 0.0 && radius_min <= 120.0)) {
        throw ConfigError{"coverage.radius_min", "must be above 0 and at most 120 minutes"};
    }
    if (!(speed_kmh > 0.0 && speed_kmh <= 20.0)) {
        throw ConfigError{"coverage.speed_kmh", "must be above 0 and at most 20 km/h"};
    }
    for (const Service s : all_services) {
        const double r = service_radius_min[static_cast<std::size_t>(s)];
        if (!(r >= 0.0 && r <= 120.0)) {
            throw ConfigError{"coverage.service_radius_min." + std::string{to_string(s)},
                              "must be from 0 (same as radius_min) to 120 minutes"};
        }
    }
    if (!(service_area_buffer_m > 0.0 && service_area_buffer_m <= 500.0)) {
        throw ConfigError{"coverage.service_area_buffer_m", "must be above 0 and at most 500 metres"};
    }
    network.validate();
}

double CoverageConfig::service_radius_m(Service s) const noexcept {
    const double r = service_radius_min[static_cast<std::size_t>(s)];
    return (r > 0.0 ? r : radius_min) * metres_per_minute();
}

CoverageConfig CoverageConfig::gb50180() {
    CoverageConfig c;
    c.radius_min = 10.0;
    c.speed_kmh = 3.0;  // 10 minutes = 500 m on the network, allowing for detours
    auto set = [&c](Service s, double minutes) { c.service_radius_min[static_cast<std::size_t>(s)] = minutes; };
    set(Service::childcare, 5.0);
    set(Service::elderly, 5.0);
    set(Service::shopping, 5.0);
    set(Service::fitness, 5.0);
    set(Service::medical, 15.0);
    set(Service::leisure, 15.0);
    set(Service::relief, 15.0);
    set(Service::mediation, 15.0);
    return c;
}

void SuggestConfig::validate() const {
    if (sites < 0 || sites > 100000) {
        throw ConfigError{"--suggest", "must be from 0 to 100000 sites"};
    }
    if (!(target_share >= 0.0 && target_share <= 1.0)) {
        throw ConfigError{"--target", "must be a share from 0 to 1 (e.g. 0.95)"};
    }
    if (!(candidate_spacing_m >= 10.0 && candidate_spacing_m <= 5000.0)) {
        throw ConfigError{"coverage.candidate_spacing_m", "must be from 10 to 5000 metres"};
    }
}

double weighted_percentile(std::vector<std::pair<double, std::int64_t>> values, double q) {
    values.erase(std::remove_if(values.begin(), values.end(),
                                [](const auto& v) { return !std::isfinite(v.first) || v.second <= 0; }),
                 values.end());
    if (values.empty()) {
        return unreachable;
    }
    std::sort(values.begin(), values.end());
    std::int64_t total = 0;
    for (const auto& v : values) {
        total += v.second;
    }
    // The smallest value with at least q of the weight at or below it.
    const double threshold = q * static_cast<double>(total);
    std::int64_t running = 0;
    for (const auto& v : values) {
        running += v.second;
        if (static_cast<double>(running) >= threshold - 1e-9) {
            return v.first;
        }
    }
    return values.back().first;
}

Summary summarise(const io::District& district, const std::vector<HouseholdCoverage>& cover,
                  const CoverageConfig& config, const std::vector<std::size_t>* only) {
    Summary s;
    const double radius = config.radius_m();
    std::vector<std::pair<double, std::int64_t>> minutes;
    auto add = [&](std::size_t i) {
        const auto& h = cover[i];
        const std::int64_t n = district.households[i].count;
        s.households += n;
        if (!h.on_network) {
            s.off_network += n;
        }
        if (!std::isfinite(h.centre_m)) {
            s.unreachable += n;
        } else {
            minutes.emplace_back(h.centre_m / config.metres_per_minute(), n);
            if (h.centre_m <= radius) {
                s.within_radius_any += n;
            }
        }
        bool all = true;
        for (const Service sv : all_services) {
            const auto k = static_cast<std::size_t>(sv);
            const bool ok = h.service_m[k] <= config.service_radius_m(sv);
            s.within_radius_by_service[k] += ok ? n : 0;
            all = all && ok;
        }
        s.all_services += all ? n : 0;
    };
    if (only != nullptr) {
        for (const auto i : *only) {
            add(i);
        }
    } else {
        for (std::size_t i = 0; i < cover.size(); ++i) {
            add(i);
        }
    }
    s.walk_min_p50 = weighted_percentile(minutes, 0.5);
    s.walk_min_p90 = weighted_percentile(minutes, 0.9);
    s.walk_min_p99 = weighted_percentile(minutes, 0.99);
    return s;
}

namespace {

using PointTree = bgi::rtree<std::pair<BPoint, std::uint32_t>, bgi::rstar<16>>;

/// Distance from one snapped source to snapped targets near it (single source, bounded).
class SingleSource {
public:
    SingleSource(const network::WalkNetwork& net, const network::Snap& source, double limit)
        : m_sources{source}, m_distances(net, m_sources, limit) {}
    double distance(const network::Snap& target) const { return m_distances.distance(target); }
    const std::vector<double>& nodes() const { return m_distances.node_distances(); }

private:
    std::vector<network::Snap> m_sources;
    network::SourceDistances m_distances;
};

/// Appends to `out` the part of edge e's polyline from offset a to offset b (a < b).
void cut_polyline(const network::WalkNetwork& net, network::EdgeIndex e, double a, double b, std::vector<double>& out) {
    const auto& edge = net.edge(e);
    const double* p = net.edge_points(e);
    double along = 0.0;
    for (std::uint32_t i = 0; i + 1 < edge.point_count; ++i) {
        const double x0 = p[2 * i];
        const double y0 = p[2 * i + 1];
        const double x1 = p[2 * i + 2];
        const double y1 = p[2 * i + 3];
        const double len = std::hypot(x1 - x0, y1 - y0);
        const double s0 = along;
        const double s1 = along + len;
        along = s1;
        if (s1 < a || s0 > b || len <= 0.0) {
            continue;
        }
        const double t0 = std::max(0.0, (a - s0) / len);
        const double t1 = std::min(1.0, (b - s0) / len);
        if (out.empty()) {
            out.push_back(x0 + t0 * (x1 - x0));
            out.push_back(y0 + t0 * (y1 - y0));
        }
        out.push_back(x0 + t1 * (x1 - x0));
        out.push_back(y0 + t1 * (y1 - y0));
    }
}

class Coverage {
public:
    Coverage(const io::District& d, const network::WalkNetwork& net, const std::vector<ServicePoint>& centres,
             const std::vector<ServicePoint>& facilities, const CoverageConfig& config, const SuggestConfig& suggest,
             const wrap::GeosContext& geos, RunContext& ctx)
        : m_district(d), m_net(net), m_centres(centres), m_facilities(facilities), m_config(config),
          m_suggest(suggest), m_geos(geos), m_ctx(ctx) {}

    CoverageResult run() {
        snap_households();
        const double cap = m_config.network.snap_cap_m;
        m_centre_snaps = snap_points(m_centres, cap, "community centre");
        check_inside_district();
        nearest_centres();
        services();
        m_result.summary = summarise(m_result.households);
        centre_areas();
        if (m_suggest.active()) {
            suggest_sites();
        }
        return std::move(m_result);
    }

private:
    void snap_households() {
        const auto& hh = m_district.households;
        m_snaps.resize(hh.size());
        m_result.households.resize(hh.size());
        std::vector<std::string> far;
        std::int64_t far_households = 0;
        std::vector<std::pair<BPoint, std::uint32_t>> points;
        for (std::uint32_t i = 0; i < hh.size(); ++i) {
            m_snaps[i] = m_net.snap(hh[i].x, hh[i].y, m_config.network.snap_cap_m);
            m_result.households[i].on_network = m_snaps[i].on_network();
            m_result.households[i].service_m.fill(unreachable);
            if (!m_snaps[i].on_network()) {
                far_households += hh[i].count;
                if (far.size() < 5) {
                    far.push_back(std::to_string(hh[i].fid.value()));
                }
                Problem p;
                p.problem = "household_off_network";
                p.detail = std::to_string(hh[i].count) + " households more than " +
                           format_fixed(m_config.network.snap_cap_m, 0) + " m from any walkable line";
                p.source = m_district.sources.at(hh[i].source);
                p.fid = hh[i].fid.value();
                p.wkb = m_geos.to_wkb(m_geos.point(hh[i].x, hh[i].y).get());
                m_ctx.problems.report(std::move(p));
            }
            points.emplace_back(BPoint{hh[i].x, hh[i].y}, i);
        }
        m_household_tree = PointTree{points.begin(), points.end()};
        if (!far.empty()) {
            m_ctx.log.warning(std::to_string(far_households) + " households lie more than " +
                              format_fixed(m_config.network.snap_cap_m, 0) +
                              " m from any walkable line and count as unreachable (fid " + join_limited(far, 5) + ")");
        }
    }

    std::vector<network::Snap> snap_points(const std::vector<ServicePoint>& points, double cap, const char* what) {
        std::vector<network::Snap> snaps;
        std::vector<std::string> far;
        for (const auto& p : points) {
            snaps.push_back(m_net.snap(p.x, p.y, cap));
            if (!snaps.back().on_network()) {
                far.push_back(p.id);
            }
        }
        if (!far.empty()) {
            m_ctx.log.warning(std::to_string(far.size()) + " " + what + "s lie more than " + format_fixed(cap, 0) +
                              " m from any walkable line and serve nobody (id " + join_limited(far, 5) + ")");
        }
        return snaps;
    }

    void check_inside_district() {
        wrap::PreparedPtr boundary = m_geos.prepare(m_district.boundary.get());
        m_result.centres.resize(m_centres.size());
        std::vector<std::string> outside;
        for (std::size_t i = 0; i < m_centres.size(); ++i) {
            wrap::GeomPtr p = m_geos.point(m_centres[i].x, m_centres[i].y);
            const bool inside =
                m_geos.check_bool(GEOSPreparedIntersects_r(m_geos.handle(), boundary.get(), p.get()), "intersects");
            m_result.centres[i].inside_district = inside;
            m_result.centres[i].on_network = m_centre_snaps[i].on_network();
            if (!inside) {
                outside.push_back(m_centres[i].id);
            }
        }
        if (!outside.empty()) {
            m_ctx.log.warning(std::to_string(outside.size()) +
                              " community centres lie outside the district; they still serve households they reach (id " +
                              join_limited(outside, 5) + ")");
        }
        if (m_centres.empty()) {
            m_ctx.log.warning("no community service centres given: coverage is 0 (name a \"centres\" layer, or "
                              "propose sites with gridplan coverage --suggest N or --target SHARE)");
        }
    }

    void nearest_centres() {
        const network::SourceDistances d{m_net, m_centre_snaps, unreachable};
        for (std::size_t i = 0; i < m_snaps.size(); ++i) {
            auto& h = m_result.households[i];
            h.centre_m = d.distance(m_snaps[i], &h.centre);
        }
    }

    void services() {
        for (const Service s : all_services) {
            std::vector<network::Snap> sources;
            for (std::size_t i = 0; i < m_facilities.size(); ++i) {
                if (has(m_facilities[i].services, s)) {
                    sources.push_back(facility_snap(i));
                }
            }
            for (std::size_t i = 0; i < m_centres.size(); ++i) {
                if (has(m_centres[i].services, s)) {
                    sources.push_back(m_centre_snaps[i]);
                }
            }
            const auto k = static_cast<std::size_t>(s);
            if (sources.empty()) {
                continue;  // nothing offers it: every household is unreachable for this service
            }
            const network::SourceDistances d{m_net, sources, unreachable};
            for (std::size_t i = 0; i < m_snaps.size(); ++i) {
                m_result.households[i].service_m[k] = d.distance(m_snaps[i]);
            }
        }
    }

    network::Snap facility_snap(std::size_t i) {
        if (m_facility_snaps.empty() && !m_facilities.empty()) {
            m_facility_snaps = snap_points(m_facilities, m_config.network.snap_cap_m, "service facilitie");
        }
        return m_facility_snaps[i];
    }

    Summary summarise(const std::vector<HouseholdCoverage>& cover) const {
        return coverage::summarise(m_district, cover, m_config);
    }

    /// Households within `limit` of a snapped point, by single-source search.
    template <typename F>
    void households_within(const network::Snap& from, double limit, F&& f) const {
        if (!from.on_network()) {
            return;
        }
        const SingleSource single{m_net, from, limit};
        const BBox box{BPoint{from.x - limit, from.y - limit}, BPoint{from.x + limit, from.y + limit}};
        std::vector<std::uint32_t> candidates;
        for (auto it = m_household_tree.qbegin(bgi::intersects(box)); it != m_household_tree.qend(); ++it) {
            candidates.push_back(it->second);
        }
        std::sort(candidates.begin(), candidates.end());
        for (const auto i : candidates) {
            const double d = single.distance(m_snaps[i]);
            if (d <= limit) {
                f(i, d);
            }
        }
    }

    void centre_areas() {
        const double radius = m_config.radius_m();
        for (std::uint32_t c = 0; c < m_centres.size(); ++c) {
            auto& out = m_result.centres[c];
            const network::Snap& snap = m_centre_snaps[c];
            households_within(snap, radius, [&](std::uint32_t i, double) {
                const std::int64_t n = m_district.households[i].count;
                out.households_in_area += n;
                if (m_result.households[i].centre == c) {
                    out.households_served += n;
                }
            });
            if (snap.on_network() && m_config.with_service_areas) {
                out.service_area = service_area(snap, radius);
            }
        }
    }

    /// The reached network within `radius` of a source, cut at the exact distance,
    /// buffered and unioned.
    wrap::GeomPtr service_area(const network::Snap& source, double radius) {
        const SingleSource single{m_net, source, radius};
        const auto& dist = single.nodes();
        std::vector<wrap::GeomPtr> pieces;
        auto add_piece = [&](network::EdgeIndex e, double a, double b) {
            if (b - a <= 1e-6) {
                return;
            }
            std::vector<double> xy;
            cut_polyline(m_net, e, a, b, xy);
            if (xy.size() < 4) {
                return;
            }
            pieces.push_back(m_geos.line(xy));
        };
        for (network::EdgeIndex e = 0; e < m_net.edge_count(); ++e) {
            const auto& edge = m_net.edge(e);
            const double du = dist[edge.from];
            const double dv = dist[edge.to];
            const double reach_u = std::isfinite(du) ? std::max(0.0, radius - du) : 0.0;
            const double reach_v = std::isfinite(dv) ? std::max(0.0, radius - dv) : 0.0;
            if (e == source.edge) {
                // Straight out from the source along its own edge, both ways.
                const double left = std::max(0.0, radius - source.access_m);
                add_piece(e, std::max(0.0, source.offset_m - left), std::min(edge.length_m, source.offset_m + left));
            }
            if (reach_u + reach_v >= edge.length_m) {
                if (reach_u > 0.0 || reach_v > 0.0) {
                    add_piece(e, 0.0, edge.length_m);
                }
                continue;
            }
            add_piece(e, 0.0, reach_u);
            add_piece(e, edge.length_m - reach_v, edge.length_m);
        }
        if (pieces.empty()) {
            wrap::GeomPtr p = m_geos.point(source.x, source.y);
            return m_geos.own(GEOSBuffer_r(m_geos.handle(), p.get(), m_config.service_area_buffer_m, 8), "buffer");
        }
        wrap::GeomPtr lines = m_geos.collection(GEOS_MULTILINESTRING, pieces);
        // Fewer, simpler lines buffer much faster; simplifying by a fifth of the buffer
        // width moves the area's edge by at most that much.
        lines = m_geos.own(GEOSLineMerge_r(m_geos.handle(), lines.get()), "merge reached edges");
        lines = m_geos.own(GEOSSimplify_r(m_geos.handle(), lines.get(), 0.2 * m_config.service_area_buffer_m), "simplify reached edges");
        // Buffer each line on its own (cheap), then one cascaded union:
        // much faster than buffering the whole network at once.
        std::vector<wrap::GeomPtr> tubes;
        const int n = m_geos.num_geometries(lines.get());
        for (int i = 0; i < n; ++i) {
            tubes.push_back(m_geos.own(GEOSBuffer_r(m_geos.handle(), GEOSGetGeometryN_r(m_geos.handle(), lines.get(), i),
                                                    m_config.service_area_buffer_m, 2),
                                       "buffer"));
        }
        wrap::GeomPtr all = m_geos.collection(GEOS_GEOMETRYCOLLECTION, tubes);
        wrap::GeomPtr area = m_geos.own(GEOSUnaryUnion_r(m_geos.handle(), all.get()), "union of buffers");
        if (!m_geos.is_valid(area.get())) {
            int dropped = 0;
            area = m_geos.make_valid_polygonal(area.get(), dropped);
        }
        return area;
    }

    /// Candidate sites: the given layer, or network nodes thinned to one per grid cell.
    std::vector<ServicePoint> candidates() const {
        if (!m_suggest.candidates.empty()) {
            return m_suggest.candidates;
        }
        std::map<std::pair<std::int64_t, std::int64_t>, network::NodeIndex> cells;
        const double s = m_suggest.candidate_spacing_m;
        wrap::PreparedPtr boundary = m_geos.prepare(m_district.boundary.get());
        for (network::NodeIndex n = 0; n < m_net.node_count(); ++n) {
            const auto key = std::make_pair(static_cast<std::int64_t>(std::floor(m_net.node_x(n) / s)),
                                            static_cast<std::int64_t>(std::floor(m_net.node_y(n) / s)));
            cells.try_emplace(key, n);  // the lowest node index in each cell
        }
        std::vector<ServicePoint> out;
        for (const auto& [cell, n] : cells) {
            wrap::GeomPtr p = m_geos.point(m_net.node_x(n), m_net.node_y(n));
            if (!m_geos.check_bool(GEOSPreparedIntersects_r(m_geos.handle(), boundary.get(), p.get()), "inside")) {
                continue;
            }
            ServicePoint sp;
            sp.x = m_net.node_x(n);
            sp.y = m_net.node_y(n);
            sp.services = all_services_mask;
            sp.id = "node-" + std::to_string(n);
            out.push_back(sp);
        }
        return out;
    }

    void suggest_sites() {
        const double radius = m_config.radius_m();
        std::vector<char> covered(m_snaps.size(), 0);
        std::int64_t reachable = 0;
        std::int64_t covered_households = 0;
        std::vector<std::pair<BPoint, std::uint32_t>> open;
        for (std::size_t i = 0; i < m_snaps.size(); ++i) {
            const std::int64_t n = m_district.households[i].count;
            if (m_snaps[i].on_network()) {
                reachable += n;
            }
            if (m_result.households[i].centre_m <= radius) {
                covered[i] = 1;
                covered_households += n;
            } else if (m_snaps[i].on_network()) {
                open.emplace_back(BPoint{m_district.households[i].x, m_district.households[i].y},
                                  static_cast<std::uint32_t>(i));
            }
        }
        const PointTree open_tree{open.begin(), open.end()};
        const std::vector<ServicePoint> sites = candidates();
        // Each candidate's uncovered households within the radius (computed once).
        std::vector<std::vector<std::uint32_t>> reach(sites.size());
        std::vector<network::Snap> site_snaps(sites.size());
        using Item = std::pair<std::int64_t, std::uint32_t>;  // gain, -index via ordering below
        auto better = [](const Item& a, const Item& b) { return a.first < b.first || (a.first == b.first && a.second > b.second); };
        std::priority_queue<Item, std::vector<Item>, decltype(better)> heap{better};
        for (std::uint32_t c = 0; c < sites.size(); ++c) {
            const BBox box{BPoint{sites[c].x - radius, sites[c].y - radius}, BPoint{sites[c].x + radius, sites[c].y + radius}};
            if (open_tree.qbegin(bgi::intersects(box)) == open_tree.qend()) {
                continue;  // no uncovered household within reach
            }
            site_snaps[c] = m_net.snap(sites[c].x, sites[c].y, m_config.network.snap_cap_m);
            std::int64_t gain = 0;
            households_within(site_snaps[c], radius, [&](std::uint32_t i, double) {
                if (!covered[i]) {
                    reach[c].push_back(i);
                    gain += m_district.households[i].count;
                }
            });
            if (gain > 0) {
                heap.emplace(gain, c);
            }
        }
        const std::int64_t total = m_result.summary.households;
        auto share = [&](std::int64_t n) { return total > 0 ? static_cast<double>(n) / static_cast<double>(total) : 0.0; };
        const double target_households = m_suggest.target_share >= 1.0 ? static_cast<double>(reachable)
                                                                        : m_suggest.target_share * static_cast<double>(total);
        auto done = [&]() {
            if (m_suggest.sites > 0 && static_cast<int>(m_result.proposals.size()) >= m_suggest.sites) {
                return true;
            }
            return m_suggest.target_share > 0.0 && static_cast<double>(covered_households) >= target_households - 0.5;
        };
        while (!heap.empty() && !done()) {
            const auto [gain, c] = heap.top();
            heap.pop();
            // Lazy evaluation: recompute the gain against what is covered now.
            std::int64_t now = 0;
            for (const auto i : reach[c]) {
                now += covered[i] ? 0 : m_district.households[i].count;
            }
            if (now <= 0) {
                continue;
            }
            if (now < gain && !heap.empty() && now < heap.top().first) {
                heap.emplace(now, c);
                continue;
            }
            for (const auto i : reach[c]) {
                covered[i] = 1;
            }
            covered_households += now;
            Proposal p;
            p.site = sites[c];
            p.households_newly_covered = now;
            p.share_after = share(covered_households);
            m_result.proposals.push_back(std::move(p));
        }
        if (m_suggest.target_share > 0.0 && static_cast<double>(covered_households) < target_households - 0.5) {
            m_ctx.log.warning("target share " + format_fixed(m_suggest.target_share, 3) + " not reached: " +
                              std::to_string(m_result.proposals.size()) + " new centres cover " +
                              format_fixed(share(covered_households), 4) + " of households (" +
                              std::to_string(total - reachable) + " households are off the network)");
        }
        // Coverage after: rerun the nearest-centre distances with the proposals added.
        std::vector<network::Snap> all = m_centre_snaps;
        for (const auto& p : m_result.proposals) {
            all.push_back(m_net.snap(p.site.x, p.site.y, m_config.network.snap_cap_m));
        }
        std::vector<HouseholdCoverage> after = m_result.households;
        const network::SourceDistances d{m_net, all, unreachable};
        for (std::size_t i = 0; i < m_snaps.size(); ++i) {
            after[i].centre_m = d.distance(m_snaps[i], &after[i].centre);
        }
        m_result.summary_after = summarise(after);
    }

    const io::District& m_district;
    const network::WalkNetwork& m_net;
    const std::vector<ServicePoint>& m_centres;
    const std::vector<ServicePoint>& m_facilities;
    const CoverageConfig& m_config;
    const SuggestConfig& m_suggest;
    const wrap::GeosContext& m_geos;
    RunContext& m_ctx;

    std::vector<network::Snap> m_snaps;
    std::vector<network::Snap> m_centre_snaps;
    std::vector<network::Snap> m_facility_snaps;
    PointTree m_household_tree;
    CoverageResult m_result;
};

} // namespace

CoverageResult compute_coverage(const io::District& district, const network::WalkNetwork& net,
                                const std::vector<ServicePoint>& centres, const std::vector<ServicePoint>& facilities,
                                const CoverageConfig& config, const SuggestConfig& suggest,
                                const wrap::GeosContext& geos, RunContext& ctx) {
    const StageProgress progress{ctx, "coverage"};
    config.validate();
    suggest.validate();
    return Coverage{district, net, centres, facilities, config, suggest, geos, ctx}.run();
}

} // namespace gridplan::coverage
