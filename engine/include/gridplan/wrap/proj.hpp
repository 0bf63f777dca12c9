#pragma once
// RAII for PROJ: one context per thread, checked object creation.

#include <proj.h>

#include <memory>
#include <string>

namespace gridplan::wrap {

struct ProjContextDeleter {
    void operator()(PJ_CONTEXT* c) const noexcept { proj_context_destroy(c); }
};
using ProjContextPtr = std::unique_ptr<PJ_CONTEXT, ProjContextDeleter>;

struct PjDeleter {
    void operator()(PJ* p) const noexcept { proj_destroy(p); }
};
using PjPtr = std::unique_ptr<PJ, PjDeleter>;

/// A new PROJ context that logs nothing by itself.
ProjContextPtr make_proj_context();

/// Takes ownership of `p`; on NULL throws CrsError "<what>: <proj_errno_string>".
PjPtr check_pj(PJ_CONTEXT* ctx, PJ* p, const std::string& what);

} // namespace gridplan::wrap
