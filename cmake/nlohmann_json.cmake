# nlohmann/json: configs (comments allowed) and JSON reports. Debian 12: nlohmann-json3-dev 3.11.
find_package(nlohmann_json 3.11 REQUIRED)
