# Boost (header-only parts): Geometry and its R-tree. Debian 12: libboost-dev 1.74.
find_package(Boost 1.74 REQUIRED)
