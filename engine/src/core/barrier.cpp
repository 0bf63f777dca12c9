#include "gridplan/core/barrier.hpp"

namespace gridplan {

std::string_view to_string(BarrierClass c) noexcept {
    switch (c) {
    case BarrierClass::river: return "river";
    case BarrierClass::road: return "road";
    case BarrierClass::street: return "street";
    case BarrierClass::alley: return "alley";
    case BarrierClass::none: break;
    }
    return "none";
}

std::optional<BarrierClass> parse_barrier_class(std::string_view s) noexcept {
    for (auto c : {BarrierClass::river, BarrierClass::road, BarrierClass::street, BarrierClass::alley}) {
        if (s == to_string(c)) {
            return c;
        }
    }
    return std::nullopt;
}

std::string barrier_class_names() { return "river, road, street, alley"; }

} // namespace gridplan
