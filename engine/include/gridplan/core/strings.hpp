#pragma once
// Small string helpers shared by config parsing and messages.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gridplan {

/// Levenshtein edit distance.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` if it is close enough to be a likely typo, else "".
std::string nearest_word(std::string_view word, const std::vector<std::string>& candidates);

/// Formats a number with a fixed count of decimals, without locale surprises.
std::string format_fixed(double value, int decimals);

/// Lists up to `max_items` values, then "and N more".
std::string join_limited(const std::vector<std::string>& items, std::size_t max_items,
                         std::string_view separator = ", ");

} // namespace gridplan
