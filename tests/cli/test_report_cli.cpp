// report.html of plan, replan, validate and coverage: its figures agree with the layers
// and plan.json, it needs no network, and (when Chromium is installed) a real browser
// renders it with one shape per grid.
#include "support/fixtures.hpp"

#include "gridplan/wrap/gdal.hpp"

#include <catch2/catch.hpp>
#include <gdal_priv.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <map>
#include <regex>
#include <set>

using namespace gridplan;
using test::run_gridplan;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) {
        ++n;
    }
    return n;
}

/// The grid ids carried by data-grid-id attributes, in document order.
std::vector<std::string> grid_ids_in(const std::string& html) {
    std::vector<std::string> ids;
    const std::regex re{"data-grid-id=\"([^\"]*)\""};
    for (auto it = std::sregex_iterator(html.begin(), html.end(), re); it != std::sregex_iterator(); ++it) {
        ids.push_back((*it)[1].str());
    }
    return ids;
}

/// The row of the grids table for grid `id` (from its link to the sheet to the row's end).
std::string table_row(const std::string& html, const std::string& id) {
    const std::string start = "<a href=\"#grid-" + id + "\">" + id + "</a>";
    const auto at = html.find(start);
    REQUIRE(at != std::string::npos);
    return html.substr(at, html.find("</tr>", at) - at);
}

nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(test::read_file(p)); }

const std::string sample = test::source_dir() + "/data/sample/district.json";
const std::string district = test::source_dir() + "/data/district/district.json";

} // namespace

TEST_CASE("plan's report.html: one shape per grid, the layer's figures, no network, deterministic",
          "[cli][report]") {
    TempDir dir;
    const auto out = dir / "plan";
    REQUIRE(run_gridplan({"plan", sample, "--out", out.string(), "--households-per-grid", "3000", "-q"}).exit_code ==
            0);
    const std::string html = test::read_file(out / "report.html");
    const nlohmann::json grids = read_json(out / "grids.geojson");
    const nlohmann::json plan = read_json(out / "plan.json");

    // Listed in the manifest like every other file of the set.
    bool listed = false;
    for (const auto& f : plan["files"]) {
        listed = listed || f["name"] == "report.html";
    }
    CHECK(listed);

    // The map: one shape per grid, with the ids of the layer.
    std::vector<std::string> layer_ids;
    std::int64_t total = 0;
    for (const auto& f : grids["features"]) {
        layer_ids.push_back(std::to_string(f["properties"]["grid_id"].get<int>()));
        total += f["properties"]["households"].get<std::int64_t>();
    }
    CHECK(grid_ids_in(html) == layer_ids);
    CHECK(count_of(html, "<path class=\"grid\" data-grid-id=") == layer_ids.size());
    CHECK(total == plan["metrics"]["households"].get<std::int64_t>());
    CHECK_THAT(html, Catch::Contains("households in " + std::to_string(layer_ids.size()) + " grids</h1>"));

    // Each grid's row and sheet carry the layer's figures.
    for (const auto& f : grids["features"]) {
        const auto& p = f["properties"];
        const std::string id = std::to_string(p["grid_id"].get<int>());
        INFO("grid " << id);
        const std::string row = table_row(html, id);
        CHECK_THAT(row, Catch::Contains("data-sort=\"" + std::to_string(p["households"].get<std::int64_t>()) + "\""));
        char dev[32];
        std::snprintf(dev, sizeof dev, "%.1f%%", p["deviation_pct"].get<double>());
        CHECK_THAT(row, Catch::Contains(dev));
        CHECK(count_of(html, "id=\"grid-" + id + "\"") == 1);
    }
    // Two histograms, the band and the radius marked; the infeasible entries with their fixes.
    CHECK(count_of(html, "class=\"histogram\"") == 2);
    CHECK_THAT(html, Catch::Contains("class=\"h-band\""));
    CHECK_THAT(html, Catch::Contains("radius 10 min"));
    for (const auto& f : plan["metrics"]["infeasible"]) {
        CHECK_THAT(html, Catch::Contains(f["fix"].get<std::string>()));
    }
    // Inputs with their checksums.
    for (const auto& f : plan["inputs"]) {
        CHECK_THAT(html, Catch::Contains(f["sha256"].get<std::string>()));
    }
    // Nothing is fetched: the only URL is the SVG namespace.
    std::string stripped = html;
    for (auto at = stripped.find("http://www.w3.org/2000/svg"); at != std::string::npos;
         at = stripped.find("http://www.w3.org/2000/svg")) {
        stripped.erase(at, 26);
    }
    CHECK(stripped.find("http://") == std::string::npos);
    CHECK(stripped.find("https://") == std::string::npos);
    CHECK(stripped.find(" src=") == std::string::npos);
    CHECK_THAT(html, Catch::Contains("@media print"));

    // The same run again writes the same page.
    const auto again = dir / "again";
    REQUIRE(run_gridplan({"plan", sample, "--out", again.string(), "--households-per-grid", "3000", "-q"})
                .exit_code == 0);
    CHECK(test::read_file(again / "report.html") == html);
}

TEST_CASE("report.html in Chinese, for replan (the blocks that changed) and for validate", "[cli][report]") {
    TempDir dir;
    const auto out = dir / "plan";
    REQUIRE(run_gridplan({"plan", district, "--out", out.string(), "-q"}).exit_code == 0);
    const std::string html = test::read_file(out / "report.html");
    // The four sides name the streets in Chinese, as in the layer.
    const nlohmann::json grids = read_json(out / "grids.geojson");
    const std::string sides = grids["features"][0]["properties"]["bounds_desc"].get<std::string>();
    CHECK_THAT(sides, Catch::Contains("路"));
    CHECK_THAT(html, Catch::Contains(sides));
    CHECK_THAT(html, Catch::Contains("<meta charset=\"utf-8\">"));
    CHECK_THAT(html, Catch::Contains("Noto Sans CJK SC"));

    SECTION("replan: the changed blocks drawn, the kept share as printed") {
        // The previous plan over today's district with a grid id changed nowhere: the
        // same blocks, nothing changes; then a different grid count moves blocks.
        const auto re = dir / "replan";
        const auto r = run_gridplan({"replan", district, "--previous", (out / "grids.geojson").string(),
                                     "--households-per-grid", "5000", "--out", re.string()});
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        const std::string rh = test::read_file(re / "report.html");
        const nlohmann::json changes = read_json(re / "plan.json")["replan"];
        const double kept = changes["share_kept"].get<double>();
        char shown[32];
        std::snprintf(shown, sizeof shown, "%.1f%%", 100.0 * kept);
        CHECK_THAT(rh, Catch::Contains(std::string{shown} + " ("));
        CHECK_THAT(rh, Catch::Contains("households keeping their grid"));
        CHECK(count_of(rh, "class=\"changed\"") > 0);
        CHECK_THAT(rh, Catch::StartsWith("<!DOCTYPE html>"));
    }
    SECTION("validate --out: the same figures as plan's report, the rules held") {
        const auto va = dir / "validate";
        const auto r = run_gridplan({"validate", (out / "grids.geojson").string(), "--config", district, "--out",
                                     va.string(), "-q"});
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        const std::string vh = test::read_file(va / "report.html");
        CHECK_THAT(vh, Catch::Contains("Hard rules: all hold."));
        CHECK(grid_ids_in(vh) == grid_ids_in(html));
        const nlohmann::json vj = read_json(va / "plan.json");
        CHECK(vj["validate"]["hard_rules_hold"] == true);
        CHECK(vj["metrics"]["households"] == read_json(out / "plan.json")["metrics"]["households"]);
        // The layer read is never overwritten.
        const auto same = run_gridplan({"validate", (out / "grids.geojson").string(), "--config", district, "--out",
                                        out.string(), "-q"});
        CHECK(same.exit_code != 0);
        CHECK_THAT(same.err, Catch::Contains("refusing to overwrite an input"));
    }
}

TEST_CASE("coverage's report.html: the plan's grids and centres, the figures of coverage.json", "[cli][report]") {
    TempDir dir;
    const auto out = dir / "plan";
    REQUIRE(run_gridplan({"plan", sample, "--out", out.string(), "--households-per-grid", "3000", "-q"}).exit_code ==
            0);
    const auto cov = dir / "cov";
    const auto r = run_gridplan({"coverage", sample, "--plan", out.string(), "--out", cov.string(), "-q"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const std::string html = test::read_file(cov / "report.html");
    const nlohmann::json j = read_json(cov / "coverage.json");
    CHECK(grid_ids_in(html).size() == j["grids"].size());
    char share[32];
    std::snprintf(share, sizeof share, "%.1f%%", 100.0 * j["within_radius_share_any"].get<double>());
    CHECK_THAT(html, Catch::Contains(std::string{"<b>"} + share + "</b><span>within the radius of a centre"));
    CHECK(count_of(html, "class=\"centre\"") == j["centres"].get<std::size_t>());
}

TEST_CASE("a real browser renders report.html: not blank, one shape per grid", "[cli][report][browser]") {
    const std::string chromium = "/usr/bin/chromium";
    if (!fs::exists(chromium)) {
        std::cout << "SKIPPED: " << chromium << " is absent (Debian package chromium)\n";
        return;
    }
    TempDir dir;
    const auto out = dir / "plan";
    REQUIRE(run_gridplan({"plan", district, "--out", out.string(), "-q"}).exit_code == 0);
    const std::string html = test::read_file(out / "report.html");
    const std::size_t grids = read_json(out / "grids.geojson")["features"].size();

    // The shapes the browser laid out with a size: a probe appended to a copy of the page
    // writes their count into the DOM, which Chromium dumps.
    std::string probe = html;
    probe.insert(probe.rfind("</body>"),
                 "<script>document.body.setAttribute('data-probe', Array.prototype.filter.call("
                 "document.querySelectorAll('#plan-map [data-grid-id]'), function(e){var b=e.getBBox();"
                 "return b.width>0&&b.height>0;}).length + ' ' + document.fonts.check('12px \"Noto Sans CJK SC\"', "
                 "'路'));</script>");
    test::write_file(dir / "probe.html", probe);
    const auto dom = test::run_command(chromium, {"--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                                                  "file://" + (dir / "probe.html").string()});
    REQUIRE(dom.exit_code == 0);
    const std::regex re{"data-probe=\"([0-9]+) (true|false)\""};
    std::smatch m;
    REQUIRE(std::regex_search(dom.out, m, re));
    CHECK(std::stoul(m[1].str()) == grids);
    if (m[2].str() != "true") {
        std::cout << "NOTE: Noto Sans CJK SC is not installed (fonts-noto-cjk); Chinese falls back\n";
    }

    // A screenshot: the grid colours of the map cover a good part of it.
    const auto png = dir / "shot.png";
    const auto shot = test::run_command(chromium, {"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                                   "--window-size=1200,1200", "--screenshot=" + png.string(),
                                                   "file://" + (out / "report.html").string()});
    REQUIRE(shot.exit_code == 0);
    REQUIRE(fs::exists(png));
    wrap::gdal_init();
    GDALDataset* ds = static_cast<GDALDataset*>(GDALOpen(png.c_str(), GA_ReadOnly));
    REQUIRE(ds != nullptr);
    REQUIRE(ds->GetRasterCount() >= 3);
    const int w = ds->GetRasterXSize();
    const int h = ds->GetRasterYSize();
    std::vector<std::vector<std::uint8_t>> band(3, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h));
    for (int b = 0; b < 3; ++b) {
        REQUIRE(ds->GetRasterBand(b + 1)->RasterIO(GF_Read, 0, 0, w, h, band[b].data(), w, h, GDT_Byte, 0, 0) ==
                CE_None);
    }
    GDALClose(ds);
    std::size_t white = 0;
    std::size_t tinted = 0;  // the first grid colours (#8dd3c7, #ffffb3, #bebada) under 0.8 opacity
    for (std::size_t i = 0; i < band[0].size(); ++i) {
        const int r = band[0][i];
        const int g = band[1][i];
        const int b = band[2][i];
        white += r > 245 && g > 245 && b > 245 ? 1 : 0;
        tinted += (std::abs(r - 164) < 14 && std::abs(g - 220) < 14 && std::abs(b - 210) < 14) ||
                          (std::abs(r - 255) < 6 && std::abs(g - 255) < 6 && std::abs(b - 194) < 14) ||
                          (std::abs(r - 203) < 14 && std::abs(g - 200) < 14 && std::abs(b - 225) < 14)
                      ? 1
                      : 0;
    }
    const double n = static_cast<double>(band[0].size());
    INFO("white " << white / n << ", grid colours " << tinted / n);
    CHECK(white / n < 0.9);
    CHECK(tinted / n > 0.15);
}
