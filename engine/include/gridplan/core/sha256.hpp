#pragma once
// SHA-256 (FIPS 180-4) of files and strings, for recording which inputs made an output.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gridplan {

class Sha256 {
public:
    Sha256();
    void update(const void* data, std::size_t size);
    /// The digest as 64 lowercase hex digits; the object must not be updated afterwards.
    std::string hex_digest();

private:
    void block(const std::uint8_t* p);

    std::uint32_t m_h[8];
    std::uint8_t m_buffer[64];
    std::size_t m_fill = 0;
    std::uint64_t m_bytes = 0;
};

std::string sha256_hex(std::string_view data);

/// SHA-256 of a file's bytes; throws InputError naming the file if it cannot be read.
std::string sha256_file(const std::string& path);

} // namespace gridplan
