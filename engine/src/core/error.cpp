#include "gridplan/core/error.hpp"

#include <utility>

namespace gridplan {

std::string InputError::compose(const std::string& reason, const std::string& path, const std::string& layer,
                                std::optional<std::int64_t> fid, const std::string& field) {
    std::string out;
    auto add = [&out](const std::string& part) {
        if (!part.empty()) {
            out += part;
            out += ": ";
        }
    };
    std::string where = path;
    if (!layer.empty()) {
        where += (where.empty() ? "" : ":") + layer;
    }
    if (fid) {
        where += (where.empty() ? "" : ":") + std::string{"fid="} + std::to_string(*fid);
    }
    add(where);
    if (!field.empty()) {
        add("field '" + field + "'");
    }
    return out + reason;
}

InputError::InputError(std::string what_happened, std::string path, std::string layer,
                       std::optional<std::int64_t> fid, std::string field)
    : Error(compose(what_happened, path, layer, fid, field), ExitCode::input),
      m_reason(std::move(what_happened)), m_path(std::move(path)), m_layer(std::move(layer)), m_fid(fid),
      m_field(std::move(field)) {}

InputError InputError::with_path(std::string path) const {
    return InputError{m_reason, std::move(path), m_layer, m_fid, m_field};
}

InputError InputError::with_layer(std::string layer) const {
    return InputError{m_reason, m_path, std::move(layer), m_fid, m_field};
}

InputError InputError::with_fid(std::int64_t fid) const {
    return InputError{m_reason, m_path, m_layer, fid, m_field};
}

ConfigError::ConfigError(std::string key, const std::string& reason, std::string file)
    : Error((file.empty() ? std::string{} : file + ": ") + (key.empty() ? std::string{} : "key '" + key + "': ") +
                reason,
            ExitCode::input),
      m_key(std::move(key)), m_reason(reason) {}

GeometryError::GeometryError(std::string stage, const std::string& reason, std::string id)
    : Error(stage + (id.empty() ? std::string{} : " " + id) + ": " + reason, ExitCode::input),
      m_stage(std::move(stage)), m_id(std::move(id)) {}

} // namespace gridplan
