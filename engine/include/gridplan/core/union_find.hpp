#pragma once
// Disjoint sets over dense indices (path halving). The root of a set is chosen by the
// caller (attach) or is the smaller index (unite), so results never depend on timing.

#include <cstdint>
#include <numeric>
#include <vector>

namespace gridplan {

class UnionFind {
public:
    explicit UnionFind(std::size_t n = 0) : m_parent(n) { std::iota(m_parent.begin(), m_parent.end(), 0U); }

    /// Adds a singleton set and returns its index.
    std::uint32_t add() {
        m_parent.push_back(static_cast<std::uint32_t>(m_parent.size()));
        return m_parent.back();
    }

    std::uint32_t find(std::uint32_t x) {
        while (m_parent[x] != x) {
            m_parent[x] = m_parent[m_parent[x]];
            x = m_parent[x];
        }
        return x;
    }

    /// Joins two sets under the smaller root.
    void unite(std::uint32_t a, std::uint32_t b) {
        a = find(a);
        b = find(b);
        if (a != b) {
            m_parent[a < b ? b : a] = a < b ? a : b;
        }
    }

    /// Hangs the set rooted at `child_root` under `parent_root` (both roots).
    void attach(std::uint32_t child_root, std::uint32_t parent_root) { m_parent[child_root] = parent_root; }

private:
    std::vector<std::uint32_t> m_parent;
};

} // namespace gridplan
