# GDAL/OGR: reading and writing every vector format (Debian 12: libgdal-dev 3.6).
find_package(GDAL 3.6 CONFIG QUIET)
if(NOT GDAL_FOUND)
  find_package(GDAL 3.6 REQUIRED)
endif()
if(NOT TARGET GDAL::GDAL)
  message(FATAL_ERROR "GDAL found but no GDAL::GDAL target")
endif()
