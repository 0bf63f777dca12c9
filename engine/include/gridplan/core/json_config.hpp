#pragma once
// Typed, key-checked access to JSON configuration (comments allowed). Every error is a
// ConfigError naming the file and the dotted key; unknown keys suggest the nearest valid one.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gridplan {

/// The largest config file read (16 MiB): anything bigger is refused, not parsed.
constexpr std::uintmax_t max_config_bytes = 16U * 1024U * 1024U;

/// Parses JSON text with comments; throws ConfigError naming `origin` and the line, or
/// the dotted key given twice in one object.
nlohmann::json parse_json_with_comments(const std::string& text, const std::string& origin);

/// The text of a config file (`what` names it in messages: "config file", "OSM tag
/// mapping"); throws InputError if it cannot be read, is not a regular file (a directory,
/// a device) or is larger than max_config_bytes.
std::string read_config_text(const std::string& path, const std::string& what);

/// Reads and parses a JSON file; throws InputError if it cannot be read, is not a regular
/// file (a directory, a device) or is larger than max_config_bytes.
nlohmann::json read_json_file(const std::string& path);

/// A view of one JSON object in a config file, with its dotted key path for messages.
class ConfigNode {
public:
    ConfigNode(const nlohmann::json& value, std::string key, std::string file);

    const nlohmann::json& json() const noexcept { return *m_value; }
    const std::string& key() const noexcept { return m_key; }
    const std::string& file() const noexcept { return m_file; }

    /// "parent.child" or "parent[3]".
    std::string key_of(const std::string& child) const;
    std::string key_of(std::size_t index) const;

    /// Throws unless this node is an object whose keys are all in `allowed`.
    void expect_object(const std::vector<std::string>& allowed) const;
    bool has(const std::string& child) const;
    ConfigNode child(const std::string& child) const;
    std::vector<ConfigNode> array(const std::string& child) const;

    std::optional<std::string> get_string(const std::string& child) const;
    std::optional<double> get_number(const std::string& child) const;
    std::optional<long long> get_integer(const std::string& child) const;
    std::optional<bool> get_bool(const std::string& child) const;

    [[noreturn]] void fail(const std::string& child, const std::string& reason) const;

private:
    const nlohmann::json* m_value;
    std::string m_key;
    std::string m_file;
};

/// The name of a JSON value's type, for messages ("a string", "a number").
std::string json_type_name(const nlohmann::json& value);

} // namespace gridplan
