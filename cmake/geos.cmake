# GEOS reentrant C API (geos_c.h, *_r functions). Debian 12: libgeos-dev 3.11.
find_package(GEOS 3.11 CONFIG REQUIRED)
if(NOT TARGET GEOS::geos_c)
  message(FATAL_ERROR "GEOS found but no GEOS::geos_c target")
endif()
