#pragma once
// Internals of build_blocks: matching noded edge segments back to the barrier lines
// they came from (GEOS noding drops per-line attributes).

#include "gridplan/core/barrier.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace gridplan::blocks::detail {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

using Point = bg::model::d2::point_xy<double>;
using Box = bg::model::box<Point>;
using Segment = bg::model::segment<Point>;

/// A line whose segments are indexed: its class and name.
struct MatchLine {
    BarrierClass cls = BarrierClass::none;
    std::string name;
    bool bridge = false;
    bool tunnel = false;
    int layer = 0;
    std::int64_t fid = -1;
    std::uint32_t source = 0;
    bool water_outline = false;  ///< the outline of a water area, not a line of its own
};

/// Segment index over barrier lines.
class SegmentIndex {
public:
    /// `coords[i]` holds x, y pairs of line i (a line may be several parts: `parts[i]`
    /// lists the start offsets of each part, in pairs).
    void add_line(std::uint32_t line, const std::vector<double>& xy, const std::vector<std::size_t>& part_starts);
    void build();

    /// Lines with a segment within `tol` of (x, y), ascending and unique.
    void lines_near(double x, double y, double tol, std::vector<std::uint32_t>& out) const;

    std::size_t size() const noexcept { return m_tree.size(); }

private:
    using Value = std::pair<Segment, std::uint32_t>;
    std::vector<Value> m_pending;
    bgi::rtree<Value, bgi::rstar<16>> m_tree;
};

} // namespace gridplan::blocks::detail
