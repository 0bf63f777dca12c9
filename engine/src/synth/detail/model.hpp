#pragma once
// The synthetic district while it is being built, in a local metric frame (metres east
// and north of the district centre), and the stages that build it in order.

#include "synth/detail/geometry.hpp"
#include "synth/detail/names.hpp"
#include "synth/detail/random.hpp"

#include "gridplan/core/run_context.hpp"
#include "gridplan/wrap/geos.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace gridplan::synth::detail {

enum class RoadKind : std::uint8_t { primary, secondary, tertiary, residential, service, footway };
/// OSM-style kind: "primary", ..., "footway".
const char* kind_name(RoadKind k) noexcept;
/// Barrier class of a kind: "road" (primary, secondary), "street" (tertiary,
/// residential) or "alley" (service, footway).
const char* class_name(RoadKind k) noexcept;

struct Road {
    Polyline line;
    std::string name;
    RoadKind kind = RoadKind::residential;
    bool bridge = false;
    /// A road that starts or ends anywhere (diagonals, arcs): its loose ends are cut
    /// back to the last junction.
    bool trim_loose_ends = false;
};

struct River {
    Polyline line;
    std::string name;
    std::string bank_word_en; ///< "Bailang River"
    std::string bank_word_zh; ///< "白浪河"
    std::vector<double> half_width; ///< per vertex: half the water width
    std::vector<double> bank_offset; ///< per vertex: centre line to bank road
};

struct WaterArea {
    wrap::GeomPtr geom;
    std::string name;
};

enum class Zone : std::uint8_t { urban, industry, rail_yard, riverside };

enum class LandUse : std::uint8_t { none, park, campus, industry, rail_yard, compound, village, mixed };
/// The landuse.geojson kind: "park", ..., "residential_compound", "village", "mixed".
const char* landuse_name(LandUse u) noexcept;
inline bool residential(LandUse u) noexcept {
    return u == LandUse::compound || u == LandUse::village || u == LandUse::mixed;
}

/// A face of the road network (arterials and bank roads).
struct Superblock {
    wrap::GeomPtr face;
    wrap::GeomPtr land; ///< face inside the district, outside the river corridors
    bool land_is_face = false;
    double area = 0.0; ///< of land
    Vec2 label;
    double rho = 0.0;
    Zone zone = Zone::urban;
    std::string name; ///< industrial park, rail yard or riverside park
};

/// A face of the street network inside a superblock.
struct Block {
    wrap::GeomPtr geom; ///< between the streets (may reach beyond the district)
    wrap::GeomPtr land; ///< inside the district
    double area = 0.0; ///< of land
    Vec2 label; ///< a point of land
    double rho = 0.0;
    double orientation = 0.0; ///< of its long side, radians
    std::size_t superblock = 0;
    bool frontage = false; ///< on an arterial or bank road
    LandUse use = LandUse::none;
    std::string name;
    Word word; ///< the word its names are built from
    std::int64_t quota = 0; ///< households
    std::vector<Polyline> alleys; ///< alleys inside, for keeping buildings off them
    std::int64_t unit = -1; ///< index of its village or community unit
};

struct HouseholdPoint {
    Vec2 p;
    std::int64_t count = 0;
    std::uint32_t block = 0;
};

struct LandArea {
    wrap::GeomPtr geom;
    LandUse use = LandUse::none;
    std::string name;
};

struct Place {
    Vec2 p;
    std::string name;
    std::string kind; ///< unit kind
    std::string services; ///< centres and facilities
    wrap::GeomPtr area; ///< unit outline (villages, communities)
};

struct Model {
    std::int64_t households = 0;
    std::uint64_t seed = 1;
    double area_m2 = 0.0; ///< target district area
    double radius = 0.0; ///< of a circle with that area

    // District shape: radius in direction a is radius * shape_radius(a).
    double aspect = 1.0;
    double rotation = 0.0;
    double harmonic_amp[6] = {0, 0, 0, 0, 0, 0};
    double harmonic_phase[6] = {0, 0, 0, 0, 0, 0};
    double shape_scale = 1.0;

    wrap::GeomPtr boundary;
    wrap::GeomPtr outer; ///< boundary + 40 m: streets end here
    wrap::GeomPtr clip_area; ///< boundary + 120 m: roads and rivers end here
    wrap::PreparedPtr boundary_prepared;
    wrap::PreparedPtr outer_prepared;
    wrap::PreparedPtr clip_prepared;

    std::vector<River> rivers; ///< [0] main, [1] tributary
    std::vector<WaterArea> water;
    wrap::GeomPtr water_union;
    wrap::PreparedPtr water_prepared;
    wrap::GeomPtr corridor; ///< between the bank roads of both rivers
    wrap::PreparedPtr corridor_prepared;
    std::vector<wrap::GeomPtr> river_corridors; ///< per river

    std::vector<Road> roads;
    std::size_t arterial_count = 0; ///< roads[0, arterial_count) are arterials and bank roads
    std::vector<Superblock> superblocks;
    std::vector<Block> blocks;
    std::vector<LandArea> landuse;

    std::vector<HouseholdPoint> points;
    std::vector<Place> centres;
    std::vector<Place> facilities;
    std::vector<Place> units;

    double share_within_600m = 0.0; ///< households within 600 m (straight line) of a centre

    /// Relative distance from the centre: 0 there, 1 on the boundary.
    double rho(Vec2 p) const noexcept;
    /// The boundary's radius in direction a (radians), in metres.
    double boundary_radius(double a) const noexcept;
};

/// Every stage reads what the earlier ones built.
void build_boundary(Model& m, const wrap::GeosContext& geos);
void build_rivers(Model& m, const wrap::GeosContext& geos);
void build_arterials(Model& m, const wrap::GeosContext& geos, Namer& namer);
void build_superblocks(Model& m, const wrap::GeosContext& geos, Namer& namer);
void build_streets_and_blocks(Model& m, const wrap::GeosContext& geos, Namer& namer);
void assign_land_use(Model& m, Namer& namer);
void build_alleys(Model& m, const wrap::GeosContext& geos, Namer& namer);
/// Nodes every road with every other, splits bridges off where roads cross water.
void finish_roads(Model& m, const wrap::GeosContext& geos, RunContext& ctx);
void place_households(Model& m, const wrap::GeosContext& geos);
void place_units(Model& m, const wrap::GeosContext& geos, Namer& namer);
void place_centres(Model& m, const wrap::GeosContext& geos, Namer& namer);
void place_facilities(Model& m, const wrap::GeosContext& geos, Namer& namer);
void build_landuse(Model& m, const wrap::GeosContext& geos);

/// Splits `total` into `n` integers in [lo, hi] (n * lo <= total <= n * hi), spread
/// around the mean.
std::vector<std::int64_t> split_count(std::int64_t total, std::size_t n, std::int64_t lo, std::int64_t hi, Rng& rng);

} // namespace gridplan::synth::detail
