#pragma once
// The error model: one exception hierarchy, caught once in cli/main.cpp.
// Each error carries the process exit code and composes a grep-able message
// such as "roads.gpkg:streets:fid=812: ring not closed".

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace gridplan {

/// Process exit codes (STYLE.md): never 124-127 or 137.
enum class ExitCode : int {
    ok = 0,
    input = 1,       ///< bad input data or configuration
    usage = 2,       ///< bad command-line usage
    infeasible = 3,  ///< targets cannot be met under --strict
    internal = 4     ///< a bug or a library failure
};

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message, ExitCode code = ExitCode::input)
        : std::runtime_error(message), m_code(code) {}

    ExitCode exit_code() const noexcept { return m_code; }

private:
    ExitCode m_code;
};

/// Bad input data: names the file, and where known the layer, feature id and field.
class InputError : public Error {
public:
    explicit InputError(std::string what_happened, std::string path = {}, std::string layer = {},
                        std::optional<std::int64_t> fid = {}, std::string field = {});

    const std::string& path() const noexcept { return m_path; }
    const std::string& layer() const noexcept { return m_layer; }
    std::optional<std::int64_t> fid() const noexcept { return m_fid; }
    const std::string& field() const noexcept { return m_field; }
    const std::string& reason() const noexcept { return m_reason; }

    /// Context is added as it becomes known (libosmium's set_id() idea), then rethrown.
    InputError with_path(std::string path) const;
    InputError with_layer(std::string layer) const;
    InputError with_fid(std::int64_t fid) const;

    /// "path:layer:fid=N: field 'f': reason", leaving out the parts not known.
    static std::string compose(const std::string& reason, const std::string& path, const std::string& layer,
                               std::optional<std::int64_t> fid, const std::string& field);

private:
    std::string m_reason;
    std::string m_path;
    std::string m_layer;
    std::optional<std::int64_t> m_fid;
    std::string m_field;
};

/// Bad configuration: names the config key (dotted path such as "barriers[1].class").
class ConfigError : public Error {
public:
    ConfigError(std::string key, const std::string& reason, std::string file = {});

    const std::string& key() const noexcept { return m_key; }
    const std::string& reason() const noexcept { return m_reason; }

private:
    std::string m_key;
    std::string m_reason;
};

/// Bad command-line usage (exit code 2).
class UsageError : public Error {
public:
    explicit UsageError(const std::string& message) : Error(message, ExitCode::usage) {}
};

/// A coordinate reference system that cannot be built or used.
class CrsError : public Error {
public:
    explicit CrsError(const std::string& message) : Error(message, ExitCode::input) {}
};

/// A geometry operation failed in a pipeline stage; `id` names the object if known.
class GeometryError : public Error {
public:
    GeometryError(std::string stage, const std::string& reason, std::string id = {});

    const std::string& stage() const noexcept { return m_stage; }
    const std::string& id() const noexcept { return m_id; }

private:
    std::string m_stage;
    std::string m_id;
};

/// Targets that cannot be met (exit code 3 under --strict).
class InfeasibleError : public Error {
public:
    explicit InfeasibleError(const std::string& message) : Error(message, ExitCode::infeasible) {}
};

/// A broken invariant inside gridplan: a bug to report (exit code 4).
class InternalError : public Error {
public:
    explicit InternalError(const std::string& message) : Error(message, ExitCode::internal) {}
};

} // namespace gridplan
