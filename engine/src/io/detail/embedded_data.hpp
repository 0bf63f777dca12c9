#pragma once
// Data files compiled into gridplan (generated from data/ by CMake), so the binary
// works without knowing where the source tree is.

namespace gridplan::io::detail {

extern const char* const builtin_osm_tags_json;
extern const char* const builtin_osmconf_ini;

} // namespace gridplan::io::detail
