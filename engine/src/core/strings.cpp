#include "gridplan/core/strings.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace gridplan {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0U : 1U)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string nearest_word(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
    for (const auto& c : candidates) {
        const auto d = edit_distance(word, c);
        if (d < best_distance) {
            best_distance = d;
            best = c;
        }
    }
    return best;
}

std::string format_fixed(double value, int decimals) {
    if (!std::isfinite(value)) {
        return "nan";
    }
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    std::string out{buffer};
    if (out == "-0" || out.rfind("-0.", 0) == 0) {
        // Avoid "-0.00" for values that round to zero.
        if (out.find_first_not_of("-0.") == std::string::npos) {
            out.erase(0, 1);
        }
    }
    return out;
}

std::string join_limited(const std::vector<std::string>& items, std::size_t max_items, std::string_view separator) {
    std::string out;
    const std::size_t n = std::min(items.size(), max_items);
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) {
            out += separator;
        }
        out += items[i];
    }
    if (items.size() > n) {
        out += " and " + std::to_string(items.size() - n) + " more";
    }
    return out;
}

} // namespace gridplan
