#include "gridplan/core/json_config.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

namespace gridplan {

nlohmann::json parse_json_with_comments(const std::string& text, const std::string& origin) {
    try {
        return nlohmann::json::parse(text, nullptr, true, true);
    } catch (const nlohmann::json::parse_error& e) {
        // Turn the byte offset into a line number for the message.
        const std::size_t offset = std::min<std::size_t>(e.byte, text.size());
        const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
        std::string what = e.what();
        const auto pos = what.find("parse error");
        if (pos != std::string::npos) {
            what = what.substr(pos);
        }
        throw ConfigError{{}, "line " + std::to_string(line) + ": invalid JSON: " + what, origin};
    }
}

nlohmann::json read_json_file(const std::string& path) {
    std::ifstream in{path, std::ios::binary};
    if (!in) {
        throw InputError{"cannot read config file", path};
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return parse_json_with_comments(buffer.str(), path);
}

std::string json_type_name(const nlohmann::json& value) {
    switch (value.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return "a number";
    default: return "a value";
    }
}

ConfigNode::ConfigNode(const nlohmann::json& value, std::string key, std::string file)
    : m_value(&value), m_key(std::move(key)), m_file(std::move(file)) {}

std::string ConfigNode::key_of(const std::string& child) const { return m_key.empty() ? child : m_key + "." + child; }

std::string ConfigNode::key_of(std::size_t index) const { return m_key + "[" + std::to_string(index) + "]"; }

void ConfigNode::fail(const std::string& child, const std::string& reason) const {
    throw ConfigError{child.empty() ? m_key : key_of(child), reason, m_file};
}

void ConfigNode::expect_object(const std::vector<std::string>& allowed) const {
    if (!m_value->is_object()) {
        throw ConfigError{m_key, "expected an object, got " + json_type_name(*m_value), m_file};
    }
    for (const auto& item : m_value->items()) {
        bool known = false;
        for (const auto& a : allowed) {
            if (item.key() == a) {
                known = true;
                break;
            }
        }
        if (!known) {
            const std::string suggestion = nearest_word(item.key(), allowed);
            throw ConfigError{key_of(item.key()),
                              "unknown key" + (suggestion.empty() ? std::string{"; valid keys: "} +
                                                                        join_limited(allowed, 30)
                                                                  : "; did you mean '" + suggestion + "'?"),
                              m_file};
        }
    }
}

bool ConfigNode::has(const std::string& child) const {
    return m_value->is_object() && m_value->contains(child) && !(*m_value)[child].is_null();
}

ConfigNode ConfigNode::child(const std::string& child) const {
    if (!has(child)) {
        fail(child, "missing");
    }
    return ConfigNode{(*m_value)[child], key_of(child), m_file};
}

std::vector<ConfigNode> ConfigNode::array(const std::string& child) const {
    std::vector<ConfigNode> out;
    if (!has(child)) {
        return out;
    }
    const auto& a = (*m_value)[child];
    if (!a.is_array()) {
        fail(child, "expected an array, got " + json_type_name(a));
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        out.emplace_back(a[i], key_of(child) + "[" + std::to_string(i) + "]", m_file);
    }
    return out;
}

std::optional<std::string> ConfigNode::get_string(const std::string& child) const {
    if (!has(child)) {
        return std::nullopt;
    }
    const auto& v = (*m_value)[child];
    if (!v.is_string()) {
        fail(child, "expected a string, got " + json_type_name(v));
    }
    return v.get<std::string>();
}

std::optional<double> ConfigNode::get_number(const std::string& child) const {
    if (!has(child)) {
        return std::nullopt;
    }
    const auto& v = (*m_value)[child];
    if (!v.is_number()) {
        fail(child, "expected a number, got " + json_type_name(v));
    }
    const double d = v.get<double>();
    if (!std::isfinite(d)) {
        fail(child, "expected a finite number");
    }
    return d;
}

std::optional<long long> ConfigNode::get_integer(const std::string& child) const {
    const auto d = get_number(child);
    if (!d) {
        return std::nullopt;
    }
    if (std::floor(*d) != *d || std::fabs(*d) > 9.0e15) {
        fail(child, "expected an integer, got " + format_fixed(*d, 3));
    }
    return static_cast<long long>(*d);
}

std::optional<bool> ConfigNode::get_bool(const std::string& child) const {
    if (!has(child)) {
        return std::nullopt;
    }
    const auto& v = (*m_value)[child];
    if (!v.is_boolean()) {
        fail(child, "expected true or false, got " + json_type_name(v));
    }
    return v.get<bool>();
}

} // namespace gridplan
