#include "gridplan/wrap/gdal.hpp"

#include "gridplan/core/error.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>

#include <mutex>
#include <regex>

namespace gridplan::wrap {

void gdal_init() {
    static std::once_flag once;
    std::call_once(once, [] { GDALAllRegister(); });
}

CplMessageCapture::CplMessageCapture() { CPLPushErrorHandlerEx(&CplMessageCapture::handler, this); }

CplMessageCapture::~CplMessageCapture() { CPLPopErrorHandler(); }

void CPL_STDCALL CplMessageCapture::handler(CPLErr level, CPLErrorNum code, const char* text) {
    auto* self = static_cast<CplMessageCapture*>(CPLGetErrorHandlerUserData());
    if (self != nullptr && level != CE_Debug) {
        self->m_messages.push_back(Message{level, code, text != nullptr ? text : ""});
    }
}

std::string mask_password(std::string text) {
    static const std::regex password{R"((password\s*=\s*)('[^']*'|\S+))", std::regex::icase};
    return std::regex_replace(text, password, "$1***");
}

std::string CplMessageCapture::last_error() const {
    for (auto it = m_messages.rbegin(); it != m_messages.rend(); ++it) {
        if (it->level == CE_Failure || it->level == CE_Fatal) {
            return mask_password(it->text);
        }
    }
    return {};
}

std::vector<std::string> CplMessageCapture::warnings() const {
    std::vector<std::string> out;
    for (const auto& m : m_messages) {
        if (m.level == CE_Warning) {
            out.push_back(mask_password(m.text));
        }
    }
    return out;
}

GDALDatasetUniquePtr open_vector(const std::string& path, const std::vector<std::string>& open_options) {
    gdal_init();
    std::vector<const char*> options;
    for (const auto& o : open_options) {
        options.push_back(o.c_str());
    }
    options.push_back(nullptr);
    CplMessageCapture capture;
    VSIStatBufL stat;
    const bool is_connection = path.rfind("PG:", 0) == 0 || path.find("://") != std::string::npos;
    if (!is_connection && VSIStatL(path.c_str(), &stat) != 0) {
        throw InputError{"file not found", mask_password(path)};
    }
    GDALDatasetUniquePtr ds{GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr,
                                              options.data(), nullptr)};
    if (!ds) {
        std::string why = capture.last_error();
        if (why.empty() || why.find("not recognized as") != std::string::npos) {
            why = "not a vector format GDAL can read";
        }
        throw InputError{"cannot open: " + why, mask_password(path)};
    }
    return ds;
}

OGRLayer& find_layer(GDALDataset& ds, const std::string& path, const std::string& layer) {
    if (layer.empty()) {
        if (ds.GetLayerCount() < 1) {
            throw InputError{"no vector layer in this data source", mask_password(path)};
        }
        return *ds.GetLayer(0);
    }
    OGRLayer* l = ds.GetLayerByName(layer.c_str());
    if (l == nullptr) {
        std::string names;
        for (int i = 0; i < ds.GetLayerCount(); ++i) {
            names += (i > 0 ? ", " : "") + std::string{ds.GetLayer(i)->GetName()};
        }
        throw InputError{"layer not found (layers: " + names + ")", mask_password(path), layer};
    }
    return *l;
}

ScopedConfigOption::ScopedConfigOption(const char* key, const char* value) : m_key(key) {
    const char* old = CPLGetConfigOption(key, nullptr);
    if (old != nullptr) {
        m_old = old;
        m_had_old = true;
    }
    CPLSetThreadLocalConfigOption(key, value);
}

ScopedConfigOption::~ScopedConfigOption() {
    CPLSetThreadLocalConfigOption(m_key.c_str(), m_had_old ? m_old.c_str() : nullptr);
}

} // namespace gridplan::wrap
