#include "gridplan/core/json_config.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

namespace gridplan {

namespace fs = std::filesystem;

namespace {

/// Tracks where the parser is (the dotted key path) and rejects duplicate keys, which
/// nlohmann's parser would otherwise resolve silently (the last one wins).
class DuplicateKeyCheck {
public:
    bool operator()(int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using Event = nlohmann::json::parse_event_t;
        switch (event) {
        case Event::object_start:
        case Event::array_start:
            m_frames.push_back(Frame{event == Event::object_start, {}, {}, 0});
            break;
        case Event::key: {
            Frame& f = m_frames.back();
            f.key = parsed.get<std::string>();
            if (!f.keys.insert(f.key).second) {
                m_duplicate = path();
                throw DuplicateKey{};
            }
            break;
        }
        case Event::object_end:
        case Event::array_end:
            m_frames.pop_back();
            next_element();
            break;
        case Event::value:
            next_element();
            break;
        }
        return true;
    }

    struct DuplicateKey {};
    const std::string& duplicate() const noexcept { return m_duplicate; }

private:
    struct Frame {
        bool object = true;
        std::set<std::string> keys;
        std::string key;
        std::size_t index = 0;
    };

    void next_element() {
        if (!m_frames.empty() && !m_frames.back().object) {
            ++m_frames.back().index;
        }
    }

    std::string path() const {
        std::string out;
        for (const auto& f : m_frames) {
            if (f.object) {
                out += (out.empty() ? "" : ".") + f.key;
            } else {
                out += "[" + std::to_string(f.index) + "]";
            }
        }
        return out;
    }

    std::vector<Frame> m_frames;
    std::string m_duplicate;
};

} // namespace

nlohmann::json parse_json_with_comments(const std::string& text, const std::string& origin) {
    DuplicateKeyCheck check;
    try {
        return nlohmann::json::parse(
            text, [&check](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
                return check(depth, event, parsed);
            },
            true, true);
    } catch (const DuplicateKeyCheck::DuplicateKey&) {
        throw ConfigError{check.duplicate(), "duplicate key: give each key once", origin};
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
    } catch (const nlohmann::json::exception& e) {
        // A number beyond double's range ("5e308", found by fuzzing) and the like.
        std::string what = e.what();
        const auto pos = what.find("] ");
        if (pos != std::string::npos) {
            what = what.substr(pos + 2);
        }
        throw ConfigError{{}, "invalid JSON: " + what, origin};
    }
}

std::string read_config_text(const std::string& path, const std::string& what) {
    // Refuse what is not a plain file of a sane size before reading it: a directory would
    // read as "invalid JSON", /dev/zero would exhaust memory and /dev/urandom never ends.
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
        throw InputError{"cannot read " + what + ": no such file", path};
    }
    if (fs::is_directory(status)) {
        throw InputError{"is a directory, not a " + what + ": give the JSON file inside it", path};
    }
    if (!fs::is_regular_file(status)) {
        throw InputError{"not a regular file: a " + what + " must be a JSON file", path};
    }
    const std::uintmax_t size = fs::file_size(path, ec);
    if (ec || size > max_config_bytes) {
        throw InputError{what + " too large (" + (ec ? std::string{"size unknown"} : std::to_string(size) + " bytes") +
                             "; at most " + std::to_string(max_config_bytes / (1024 * 1024)) + " MiB)",
                         path};
    }
    std::ifstream in{path, std::ios::binary};
    if (!in) {
        throw InputError{"cannot read " + what, path};
    }
    std::string text;
    text.resize(static_cast<std::size_t>(size));
    in.read(text.data(), static_cast<std::streamsize>(size));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (in.bad()) {
        throw InputError{"cannot read " + what, path};
    }
    return text;
}

nlohmann::json read_json_file(const std::string& path) {
    return parse_json_with_comments(read_config_text(path, "config file"), path);
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
