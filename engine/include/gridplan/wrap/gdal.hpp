#pragma once
// RAII and error capture for GDAL/OGR.

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <string>
#include <vector>

namespace gridplan::wrap {

/// Registers GDAL's drivers once (thread-safe).
void gdal_init();

/// While alive, collects CPL errors and warnings instead of letting GDAL print them.
class CplMessageCapture {
public:
    CplMessageCapture();
    ~CplMessageCapture();
    CplMessageCapture(const CplMessageCapture&) = delete;
    CplMessageCapture& operator=(const CplMessageCapture&) = delete;
    CplMessageCapture(CplMessageCapture&&) = delete;
    CplMessageCapture& operator=(CplMessageCapture&&) = delete;

    struct Message {
        CPLErr level;
        int code;
        std::string text;
    };
    const std::vector<Message>& messages() const noexcept { return m_messages; }
    /// The last failure message (or "" if none), connection passwords masked.
    std::string last_error() const;
    std::vector<std::string> warnings() const;
    void clear() noexcept { m_messages.clear(); }

private:
    static void CPL_STDCALL handler(CPLErr level, CPLErrorNum code, const char* text);
    std::vector<Message> m_messages;
};

/// Masks "password=..." in a connection string or message.
std::string mask_password(std::string text);

/// Opens a vector data source read-only; throws InputError naming the path.
GDALDatasetUniquePtr open_vector(const std::string& path, const std::vector<std::string>& open_options = {});

/// The layer named `layer` (or the only/first one when empty); throws InputError naming
/// the path, the layer and the layers that exist.
OGRLayer& find_layer(GDALDataset& ds, const std::string& path, const std::string& layer);

/// A scoped CPL configuration option, restored on destruction.
class ScopedConfigOption {
public:
    ScopedConfigOption(const char* key, const char* value);
    ~ScopedConfigOption();
    ScopedConfigOption(const ScopedConfigOption&) = delete;
    ScopedConfigOption& operator=(const ScopedConfigOption&) = delete;
    ScopedConfigOption(ScopedConfigOption&&) = delete;
    ScopedConfigOption& operator=(ScopedConfigOption&&) = delete;

private:
    std::string m_key;
    std::string m_old;
    bool m_had_old = false;
};

} // namespace gridplan::wrap
