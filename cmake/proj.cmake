# PROJ: coordinate operations into and out of the local metric CRS. Debian 12: libproj-dev 9.1.
find_package(PROJ 9.1 CONFIG QUIET)
if(NOT PROJ_FOUND)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(PROJ REQUIRED IMPORTED_TARGET proj>=9.1)
  add_library(PROJ::proj ALIAS PkgConfig::PROJ)
endif()
