#pragma once
// A small, fully specified random number generator (xoshiro256**, seeded through
// splitmix64) and the distributions the generator needs. The standard library's
// distributions are implementation-defined, so none of them is used.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace gridplan::synth::detail {

/// Advances `state` and returns the next splitmix64 output.
std::uint64_t splitmix64(std::uint64_t& state) noexcept;

class Rng {
public:
    /// An independent stream for one purpose: the same seed and stream name always
    /// give the same numbers, whatever the other streams did.
    Rng(std::uint64_t seed, std::string_view stream) noexcept;

    std::uint64_t next() noexcept;
    /// Uniform in [0, 1), 53 random bits.
    double uniform() noexcept;
    /// Uniform in [lo, hi).
    double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }
    /// Uniform integer in [lo, hi], unbiased.
    std::int64_t integer(std::int64_t lo, std::int64_t hi) noexcept;
    /// Uniform index in [0, n), n > 0.
    std::size_t index(std::size_t n) noexcept;
    bool chance(double p) noexcept { return uniform() < p; }
    /// Standard normal deviate (Box-Muller).
    double normal() noexcept;
    double normal(double mean, double sd) noexcept { return mean + sd * normal(); }
    /// An index drawn with probability proportional to `weights` (>= 0, some > 0).
    std::size_t weighted(const std::vector<double>& weights) noexcept;

    template <typename T>
    void shuffle(std::vector<T>& v) noexcept {
        for (std::size_t i = v.size(); i > 1; --i) {
            std::swap(v[i - 1], v[index(i)]);
        }
    }

private:
    std::uint64_t m_s[4] = {0, 0, 0, 0};
    double m_spare = 0.0;
    bool m_has_spare = false;
};

/// Smooth 1-D noise: a sum of a few sines with random phases, amplitude about 1.
class Wave {
public:
    Wave() = default;
    /// `wavelength`: of the main component; two shorter ones follow.
    Wave(Rng& rng, double wavelength);
    double operator()(double s) const noexcept;

private:
    double m_k[3] = {0, 0, 0};
    double m_phase[3] = {0, 0, 0};
    double m_amp[3] = {0, 0, 0};
};

} // namespace gridplan::synth::detail
