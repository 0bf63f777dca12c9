#include "blocks/detail/adjacency.hpp"

#include <algorithm>

namespace gridplan::blocks::detail {

void SegmentIndex::add_line(std::uint32_t line, const std::vector<double>& xy,
                            const std::vector<std::size_t>& part_starts) {
    for (std::size_t p = 0; p < part_starts.size(); ++p) {
        const std::size_t begin = part_starts[p];
        const std::size_t end = p + 1 < part_starts.size() ? part_starts[p + 1] : xy.size() / 2;
        for (std::size_t i = begin; i + 1 < end; ++i) {
            m_pending.emplace_back(Segment{Point{xy[2 * i], xy[2 * i + 1]}, Point{xy[2 * i + 2], xy[2 * i + 3]}},
                                   line);
        }
    }
}

void SegmentIndex::build() {
    m_tree = bgi::rtree<Value, bgi::rstar<16>>{m_pending.begin(), m_pending.end()};
    m_pending.clear();
    m_pending.shrink_to_fit();
}

void SegmentIndex::lines_near(double x, double y, double tol, std::vector<std::uint32_t>& out) const {
    out.clear();
    const Box query{Point{x - tol, y - tol}, Point{x + tol, y + tol}};
    const Point p{x, y};
    for (auto it = m_tree.qbegin(bgi::intersects(query)); it != m_tree.qend(); ++it) {
        if (bg::distance(p, it->first) <= tol) {
            out.push_back(it->second);
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
}

} // namespace gridplan::blocks::detail
