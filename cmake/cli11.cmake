# CLI11: command-line parsing for the gridplan executable. Debian 12: libcli11-dev 2.1.
find_package(CLI11 2.1 CONFIG REQUIRED)
