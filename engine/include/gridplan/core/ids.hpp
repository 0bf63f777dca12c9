#pragma once
// Strong ids. Dense 32-bit ids index arrays; the 64-bit source feature id is kept for
// messages and outputs and is never used as an index.

#include <cstdint>
#include <functional>
#include <limits>

namespace gridplan {

template <typename Tag, typename T>
class StrongId {
public:
    using value_type = T;
    static constexpr T invalid_value = std::numeric_limits<T>::max();

    constexpr StrongId() noexcept = default;
    constexpr explicit StrongId(T value) noexcept : m_value(value) {}

    constexpr T value() const noexcept { return m_value; }
    constexpr bool valid() const noexcept { return m_value != invalid_value; }
    static constexpr StrongId invalid() noexcept { return StrongId{}; }

    friend constexpr bool operator==(StrongId a, StrongId b) noexcept { return a.m_value == b.m_value; }
    friend constexpr bool operator!=(StrongId a, StrongId b) noexcept { return a.m_value != b.m_value; }
    friend constexpr bool operator<(StrongId a, StrongId b) noexcept { return a.m_value < b.m_value; }

private:
    T m_value = invalid_value;
};

using BlockId = StrongId<struct BlockIdTag, std::uint32_t>;
using HouseholdId = StrongId<struct HouseholdIdTag, std::uint32_t>;
using BarrierId = StrongId<struct BarrierIdTag, std::uint32_t>;
using SourceFid = StrongId<struct SourceFidTag, std::int64_t>;

} // namespace gridplan

template <typename Tag, typename T>
struct std::hash<gridplan::StrongId<Tag, T>> {
    std::size_t operator()(gridplan::StrongId<Tag, T> id) const noexcept { return std::hash<T>{}(id.value()); }
};
