#pragma once
// The partitioner's dense ids and the arrays they index. An atom, a region, a part, a
// cover site and an existing centre each have their own id type, so that an array of
// one cannot be indexed by another. Blocks keep BlockId; household points (indices into
// District::households) and network nodes keep their plain indices.

#include "gridplan/core/ids.hpp"

#include <cstdint>
#include <iterator>
#include <utility>
#include <vector>

namespace gridplan::partition::detail {

/// Blocks that stay together (a block, water with its bank, a keep-together unit).
using AtomId = StrongId<struct AtomIdTag, std::uint32_t>;
/// A grid while it is planned (numbered geographically only at the end).
using RegionId = StrongId<struct RegionIdTag, std::uint32_t>;
/// A part of the district: atoms connected over strong edges (rivers only at bridges).
using PartId = StrongId<struct PartIdTag, std::uint32_t>;
/// A candidate site of the cover seeds (Problem::cover_sites).
using SiteId = StrongId<struct SiteIdTag, std::uint32_t>;
/// An existing centre (index into District::centres).
using CentreId = StrongId<struct CentreIdTag, std::uint32_t>;

/// The ids 0 .. n-1, in order.
template <typename Id>
class IdRange {
public:
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = Id;
        using difference_type = std::ptrdiff_t;
        using pointer = const Id*;
        using reference = Id;

        constexpr explicit iterator(typename Id::value_type v) noexcept : m_v(v) {}
        constexpr Id operator*() const noexcept { return Id{m_v}; }
        constexpr iterator& operator++() noexcept {
            ++m_v;
            return *this;
        }
        constexpr bool operator==(const iterator& o) const noexcept { return m_v == o.m_v; }
        constexpr bool operator!=(const iterator& o) const noexcept { return m_v != o.m_v; }

    private:
        typename Id::value_type m_v;
    };

    constexpr explicit IdRange(std::size_t n) noexcept : m_n(static_cast<typename Id::value_type>(n)) {}
    constexpr iterator begin() const noexcept { return iterator{0}; }
    constexpr iterator end() const noexcept { return iterator{m_n}; }

private:
    typename Id::value_type m_n;
};

template <typename Id>
constexpr IdRange<Id> ids(std::size_t n) noexcept {
    return IdRange<Id>{n};
}

/// A std::vector indexed by a strong id.
template <typename Id, typename T>
class IdVector {
public:
    using value_type = T;

    IdVector() = default;
    explicit IdVector(std::size_t n, const T& value = T{}) : m_items(n, value) {}

    T& operator[](Id id) { return m_items[id.value()]; }
    const T& operator[](Id id) const { return m_items[id.value()]; }

    std::size_t size() const noexcept { return m_items.size(); }
    bool empty() const noexcept { return m_items.empty(); }
    IdRange<Id> ids() const noexcept { return IdRange<Id>{m_items.size()}; }
    /// The id the next push_back gets.
    Id next_id() const noexcept { return Id{static_cast<typename Id::value_type>(m_items.size())}; }

    void assign(std::size_t n, const T& value) { m_items.assign(n, value); }
    void resize(std::size_t n) { m_items.resize(n); }
    void clear() noexcept { m_items.clear(); }
    void push_back(const T& v) { m_items.push_back(v); }
    void push_back(T&& v) { m_items.push_back(std::move(v)); }
    template <typename... Args>
    T& emplace_back(Args&&... args) {
        return m_items.emplace_back(std::forward<Args>(args)...);
    }

    auto begin() noexcept { return m_items.begin(); }
    auto end() noexcept { return m_items.end(); }
    auto begin() const noexcept { return m_items.begin(); }
    auto end() const noexcept { return m_items.end(); }

    const std::vector<T>& items() const noexcept { return m_items; }

    friend bool operator==(const IdVector& a, const IdVector& b) { return a.m_items == b.m_items; }
    friend bool operator!=(const IdVector& a, const IdVector& b) { return a.m_items != b.m_items; }

private:
    std::vector<T> m_items;
};

} // namespace gridplan::partition::detail
