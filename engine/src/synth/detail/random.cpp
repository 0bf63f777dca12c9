#include "synth/detail/random.hpp"

#include <cmath>

namespace gridplan::synth::detail {

namespace {

constexpr double pi = 3.14159265358979323846;

std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
}

/// FNV-1a: stream names to numbers.
std::uint64_t fnv1a(std::string_view s) noexcept {
    std::uint64_t h = 1469598103934665603ULL;
    for (const char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return h;
}

} // namespace

std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

Rng::Rng(std::uint64_t seed, std::string_view stream) noexcept {
    std::uint64_t state = seed ^ rotl(fnv1a(stream), 17);
    for (auto& s : m_s) {
        s = splitmix64(state);
    }
    if ((m_s[0] | m_s[1] | m_s[2] | m_s[3]) == 0) {
        m_s[0] = 1;
    }
}

std::uint64_t Rng::next() noexcept {
    const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
    const std::uint64_t t = m_s[1] << 17;
    m_s[2] ^= m_s[0];
    m_s[3] ^= m_s[1];
    m_s[1] ^= m_s[2];
    m_s[0] ^= m_s[3];
    m_s[2] ^= t;
    m_s[3] = rotl(m_s[3], 45);
    return result;
}

double Rng::uniform() noexcept {
    return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

std::size_t Rng::index(std::size_t n) noexcept {
    if (n <= 1) {
        return 0;
    }
    const std::uint64_t bound = n;
    const std::uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
    std::uint64_t x = next();
    while (x >= limit) {
        x = next();
    }
    return static_cast<std::size_t>(x % bound);
}

std::int64_t Rng::integer(std::int64_t lo, std::int64_t hi) noexcept {
    if (hi <= lo) {
        return lo;
    }
    const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
    if (span == 0) {
        return static_cast<std::int64_t>(next());
    }
    return lo + static_cast<std::int64_t>(index(static_cast<std::size_t>(span)));
}

double Rng::normal() noexcept {
    if (m_has_spare) {
        m_has_spare = false;
        return m_spare;
    }
    double u = uniform();
    while (u <= 0.0) {
        u = uniform();
    }
    const double v = uniform();
    const double r = std::sqrt(-2.0 * std::log(u));
    m_spare = r * std::sin(2.0 * pi * v);
    m_has_spare = true;
    return r * std::cos(2.0 * pi * v);
}

std::size_t Rng::weighted(const std::vector<double>& weights) noexcept {
    double total = 0.0;
    for (const double w : weights) {
        total += w > 0.0 ? w : 0.0;
    }
    if (!(total > 0.0)) {
        return index(weights.size());
    }
    double x = uniform() * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        const double w = weights[i] > 0.0 ? weights[i] : 0.0;
        if (x < w) {
            return i;
        }
        x -= w;
    }
    for (std::size_t i = weights.size(); i > 0; --i) {
        if (weights[i - 1] > 0.0) {
            return i - 1;
        }
    }
    return 0;
}

Wave::Wave(Rng& rng, double wavelength) {
    const double ratios[3] = {1.0, 0.43, 0.19};
    const double amps[3] = {0.7, 0.22, 0.08};
    for (int i = 0; i < 3; ++i) {
        const double l = wavelength * ratios[i] * rng.uniform(0.85, 1.15);
        m_k[i] = 2.0 * pi / l;
        m_phase[i] = rng.uniform(0.0, 2.0 * pi);
        m_amp[i] = amps[i];
    }
}

double Wave::operator()(double s) const noexcept {
    double v = 0.0;
    for (int i = 0; i < 3; ++i) {
        v += m_amp[i] * std::sin(m_k[i] * s + m_phase[i]);
    }
    return v;
}

} // namespace gridplan::synth::detail
