#include "gridplan/wrap/proj.hpp"

#include "gridplan/core/error.hpp"

namespace gridplan::wrap {

ProjContextPtr make_proj_context() {
    ProjContextPtr ctx{proj_context_create()};
    if (!ctx) {
        throw InternalError{"cannot create a PROJ context"};
    }
    proj_log_level(ctx.get(), PJ_LOG_NONE);
    return ctx;
}

PjPtr check_pj(PJ_CONTEXT* ctx, PJ* p, const std::string& what) {
    if (p == nullptr) {
        const int err = proj_context_errno(ctx);
        const char* msg = proj_context_errno_string(ctx, err);
        throw CrsError{what + ": " + (msg != nullptr ? msg : "PROJ error")};
    }
    return PjPtr{p};
}

} // namespace gridplan::wrap
