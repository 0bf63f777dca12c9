#pragma once
// The vocabulary of barriers: the lines a grid edge may follow, strongest first.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gridplan {

/// Barrier classes ordered by strength: a larger value is a stronger barrier.
enum class BarrierClass : std::uint8_t {
    none = 0,  ///< not a barrier (the district boundary, an unclassified edge)
    alley = 1,
    street = 2,
    road = 3,
    river = 4
};

constexpr int barrier_class_count = 5;

std::string_view to_string(BarrierClass c) noexcept;

/// Parses "river", "road", "street", "alley" (lower case); nullopt otherwise.
std::optional<BarrierClass> parse_barrier_class(std::string_view s) noexcept;

/// "river, road, street, alley": for error messages.
std::string barrier_class_names();

} // namespace gridplan
