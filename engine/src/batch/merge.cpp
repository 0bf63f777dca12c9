// gridplan merge: the jobs' layers and figures as one city.
#include "gridplan/batch/merge.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/wrap/gdal.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <fstream>
#include <map>
#include <set>

namespace gridplan::batch {

namespace fs = std::filesystem;

namespace {

/// A job's result: its plan.json and the vector files it lists.
struct JobResult {
    const Job* job = nullptr;
    fs::path dir;
    nlohmann::json plan;
    std::vector<fs::path> vectors;
};

const std::set<std::string>& vector_extensions() {
    static const std::set<std::string> e{".geojson", ".gpkg", ".shp", ".fgb", ".gml", ".kml", ".sqlite"};
    return e;
}

/// The result of `job`, or why there is none ("" when complete).
std::string read_result(const fs::path& jobs_dir, const Job& job, JobResult& r) {
    r.job = &job;
    r.dir = jobs_dir / job.out;
    const fs::path manifest = r.dir / "plan.json";
    std::ifstream in{manifest};
    if (!in) {
        return "no " + manifest.string();
    }
    r.plan = nlohmann::json::parse(in, nullptr, false);
    if (r.plan.is_discarded() || !r.plan.is_object() || !r.plan.contains("files") || !r.plan.contains("metrics")) {
        return manifest.string() + " is not a complete plan.json";
    }
    for (const auto& f : r.plan["files"]) {
        const fs::path p = r.dir / f.value("name", std::string{});
        std::error_code ec;
        const auto size = fs::file_size(p, ec);
        if (ec || size != f.value("bytes", std::uintmax_t{0})) {
            return p.string() + (ec ? " is missing" : " is not the size plan.json lists");
        }
        if (vector_extensions().count(p.extension().string()) > 0) {
            r.vectors.push_back(p);
        }
    }
    return "";
}

/// The output layers, created from the first job's layer of each name.
class Layers {
public:
    Layers(io::OutputDir& out, const io::OutputOptions& options) : m_out(out), m_options(options) {}

    void add(const std::string& name, OGRLayer& source, const std::string& district_id) {
        OGRLayer* target = layer(name, source);
        OGRFeatureDefn* defn = target->GetLayerDefn();
        for (auto& f : source) {
            OGRFeature copy{defn};
            copy.SetField(0, district_id.c_str());
            std::vector<int> map(static_cast<std::size_t>(f->GetFieldCount()));
            for (int i = 0; i < f->GetFieldCount(); ++i) {
                map[static_cast<std::size_t>(i)] = defn->GetFieldIndex(f->GetFieldDefnRef(i)->GetNameRef());
            }
            copy.SetFieldsFrom(f.get(), map.data(), TRUE);
            if (const OGRGeometry* g = f->GetGeometryRef()) {
                copy.SetGeometry(g);
            }
            if (target->CreateFeature(&copy) != OGRERR_NONE) {
                throw InputError{"cannot write a feature of layer " + name};
            }
        }
    }

    void finish() {
        wrap::CplMessageCapture capture;
        for (auto& [name, ds] : m_files) {
            ds->FlushCache();
            ds.reset();
            const std::string error = capture.last_error();
            if (!error.empty()) {
                throw InputError{"cannot write " + name + ": " + error, m_out.dir().string()};
            }
        }
        m_files.clear();
    }

private:
    OGRLayer* layer(const std::string& name, OGRLayer& source) {
        const auto it = m_layers.find(name);
        if (it != m_layers.end()) {
            return it->second;
        }
        const auto& format = m_options.format;
        GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(format.driver.c_str());
        if (driver == nullptr) {
            throw UsageError{"--format: GDAL has no driver " + format.driver};
        }
        const std::string file = (format.multi_layer ? std::string{"merge"} : name) + "." + format.extension;
        GDALDataset* ds = nullptr;
        if (const auto f = m_files.find(file); f != m_files.end()) {
            ds = f->second.get();
        } else {
            const bool virtual_io = driver->GetMetadataItem(GDAL_DCAP_VIRTUALIO) != nullptr;
            const std::string path = m_out.gdal_path(file, virtual_io);
            ds = driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr);
            if (ds == nullptr) {
                throw InputError{"cannot create " + file + " in " + m_out.dir().string()};
            }
            m_files.emplace(file, GDALDatasetUniquePtr{ds});
        }
        char** options = nullptr;
        if (format.is_geojson()) {
            options = CSLSetNameValue(options, "RFC7946", "YES");
        }
        OGRLayer* l = ds->CreateLayer(name.c_str(), source.GetSpatialRef(), source.GetGeomType(), options);
        CSLDestroy(options);
        if (l == nullptr) {
            throw InputError{"cannot create layer " + name};
        }
        OGRFieldDefn district{"district_id", OFTString};
        l->CreateField(&district);
        OGRFeatureDefn* defn = source.GetLayerDefn();
        for (int i = 0; i < defn->GetFieldCount(); ++i) {
            l->CreateField(defn->GetFieldDefn(i));
        }
        m_layers.emplace(name, l);
        return l;
    }

    io::OutputDir& m_out;
    const io::OutputOptions& m_options;
    std::map<std::string, GDALDatasetUniquePtr> m_files;
    std::map<std::string, OGRLayer*> m_layers;
};

double number(const nlohmann::json& j, const char* a, const char* b) {
    const auto ia = j.find(a);
    if (ia == j.end()) {
        return 0.0;
    }
    const auto ib = ia->find(b);
    return ib != ia->end() && ib->is_number() ? ib->get<double>() : 0.0;
}

} // namespace

nlohmann::json merge_jobs(const fs::path& jobs_dir, io::OutputDir& out, const io::OutputOptions& options,
                          RunContext& ctx) {
    wrap::gdal_init();
    const StageProgress progress{ctx, "merge"};
    const std::vector<Job> jobs = read_jobs(jobs_dir / "jobs.tsv");
    std::vector<JobResult> results(jobs.size());
    std::vector<std::string> missing;
    for (std::size_t k = 0; k < jobs.size(); ++k) {
        const std::string why = read_result(jobs_dir, jobs[k], results[k]);
        if (!why.empty()) {
            missing.push_back(jobs[k].id + " (" + why + ")");
        }
    }
    if (!missing.empty()) {
        throw InputError{std::to_string(missing.size()) + " of " + std::to_string(jobs.size()) +
                             " districts have no complete result: " + join_limited(missing, 20, "; "),
                         (jobs_dir / "jobs.tsv").string()};
    }
    Layers layers{out, options};
    nlohmann::json districts = nlohmann::json::array();
    std::int64_t grids = 0;
    std::int64_t households = 0;
    std::int64_t in_band = 0;
    double within = 0.0;
    std::size_t infeasible = 0;
    for (const auto& r : results) {
        for (const auto& path : r.vectors) {
            auto ds = wrap::open_vector(path.string());
            for (auto* l : ds->GetLayers()) {
                // A GeoJSON file's layer is named after the file; a GeoPackage's are its own.
                const std::string name = ds->GetLayerCount() == 1 && path.extension() != ".gpkg"
                                             ? path.stem().string()
                                             : std::string{l->GetName()};
                if (name == "layer_styles") {
                    continue;
                }
                layers.add(name, *l, r.job->id);
            }
        }
        const auto& m = r.plan["metrics"];
        const std::int64_t g = m.value("grids", std::int64_t{0});
        const std::int64_t h = m.value("households", std::int64_t{0});
        const auto band = static_cast<std::int64_t>(number(r.plan, "details", "grids_in_band"));
        const double radius = m.value("within_radius_share", 0.0);
        districts.push_back({{"district_id", r.job->id},
                             {"name", r.job->name},
                             {"grids", g},
                             {"households", h},
                             {"grids_in_band", band},
                             {"within_radius_share", radius},
                             {"infeasible", m.value("infeasible", nlohmann::json::array()).size()}});
        grids += g;
        households += h;
        in_band += band;
        within += radius * static_cast<double>(h);
        infeasible += m.value("infeasible", nlohmann::json::array()).size();
    }
    layers.finish();
    nlohmann::json city{{"districts", districts.size()},
                        {"grids", grids},
                        {"households", households},
                        {"grids_in_band", in_band},
                        {"within_band_share",
                         grids > 0 ? io::round_to(static_cast<double>(in_band) / static_cast<double>(grids), 4) : 0.0},
                        {"within_radius_share",
                         households > 0 ? io::round_to(within / static_cast<double>(households), 4) : 0.0},
                        {"infeasible", infeasible}};
    return {{"jobs", (jobs_dir / "jobs.tsv").string()}, {"city", city}, {"by_district", districts}};
}

} // namespace gridplan::batch
