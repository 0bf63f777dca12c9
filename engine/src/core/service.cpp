#include "gridplan/core/service.hpp"

namespace gridplan {

std::string_view to_string(Service s) noexcept {
    switch (s) {
    case Service::medical: return "medical";
    case Service::childcare: return "childcare";
    case Service::elderly: return "elderly";
    case Service::shopping: return "shopping";
    case Service::leisure: return "leisure";
    case Service::fitness: return "fitness";
    case Service::relief: return "relief";
    case Service::mediation: return "mediation";
    }
    return "unknown";
}

std::optional<Service> parse_service(std::string_view name) noexcept {
    for (const Service s : all_services) {
        if (name == to_string(s)) {
            return s;
        }
    }
    return std::nullopt;
}

std::string service_names() {
    std::string out;
    for (const Service s : all_services) {
        out += (out.empty() ? "" : ", ") + std::string{to_string(s)};
    }
    return out;
}

std::string to_string(ServiceSet set) {
    std::string out;
    for (const Service s : all_services) {
        if (has(set, s)) {
            out += (out.empty() ? "" : ",") + std::string{to_string(s)};
        }
    }
    return out;
}

} // namespace gridplan
