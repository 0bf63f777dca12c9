// libFuzzer target fuzz_config: see run_config() in fuzz_bodies.hpp.
#include "fuzz_bodies.hpp"
#include "fuzz_entry.hpp"

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    gridplan::fuzz::quiet_gdal();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return gridplan::fuzz::guarded("fuzz_config", gridplan::fuzz::run_config, data, size);
}
