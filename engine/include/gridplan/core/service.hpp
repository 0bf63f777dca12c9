#pragma once
// The eight services nobody should have to leave the community for.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gridplan {

enum class Service : std::uint8_t { medical, childcare, elderly, shopping, leisure, fitness, relief, mediation };

constexpr int service_count = 8;
constexpr std::array<Service, service_count> all_services{Service::medical, Service::childcare, Service::elderly,
                                                         Service::shopping, Service::leisure,   Service::fitness,
                                                         Service::relief,  Service::mediation};

/// A set of services as a bit mask (bit i = Service i).
using ServiceSet = std::uint8_t;
constexpr ServiceSet all_services_mask = 0xFF;

constexpr ServiceSet mask_of(Service s) noexcept { return static_cast<ServiceSet>(1U << static_cast<unsigned>(s)); }
constexpr bool has(ServiceSet set, Service s) noexcept { return (set & mask_of(s)) != 0; }

std::string_view to_string(Service s) noexcept;
std::optional<Service> parse_service(std::string_view name) noexcept;
/// "medical, childcare, elderly, shopping, leisure, fitness, relief, mediation"
std::string service_names();
/// "medical,shopping" for a set, in the fixed order.
std::string to_string(ServiceSet set);

} // namespace gridplan
