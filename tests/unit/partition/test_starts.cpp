// The starts: as many regions as grids, on distinct atoms; existing centres first.
#include "stages.hpp"

#include "partition/detail/starts.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace gridplan;
using test::StageFixture;

namespace {

io::District chain_with_centre(const wrap::GeosContext& geos) {
    io::District d = test::chain(geos, {100, 100, 100, 100, 100, 100}).build();
    io::PointFeature c;
    c.x = 250.0;  // in block 2
    c.y = 50.0;
    c.id = "C1";
    c.services = all_services_mask;
    d.centres.push_back(c);
    return d;
}

} // namespace

TEST_CASE("starts: round(600 / 200) = 3 regions on distinct atoms, the first on the existing centre", "[partition][starts]") {
    wrap::GeosContext geos;
    const StageFixture f{geos, chain_with_centre(geos), test::config_for(200.0)};
    const pd::Problem& p = f.problem();
    REQUIRE(p.start_count() == 6);
    REQUIRE(p.has_cover_sites());
    // The centre reaches all 600 households within 800 m: well placed.
    CHECK(p.centre_reach(pd::CentreId{0}) == 600.0);
    for (int start = 0; start < p.start_count(); ++start) {
        INFO("start " << start);
        const pd::State s = pd::seed_start(p, start, nullptr);
        REQUIRE(s.regions.size() == 3);
        std::set<pd::AtomId> seeds;
        for (const auto& region : s.regions) {
            seeds.insert(region.seed);
            CHECK(region.target == 200.0);
        }
        CHECK(seeds.size() == 3);
        if (pd::seed_mode(start) == pd::SeedMode::centres) {
            const pd::Region& first = s.regions[pd::RegionId{0}];
            CHECK_FALSE(first.centre.proposed);
            CHECK(first.centre.existing == 0);
            CHECK(first.seed == f.chain_atom(2));
        }
        if (pd::is_cover(pd::seed_mode(start))) {
            // A cover assigns too: every seed atom to its own region.
            for (const pd::RegionId r : s.regions.ids()) {
                CHECK(s.region_of[s.regions[r].seed] == r);
            }
        } else {
            for (const pd::RegionId r : s.region_of) {
                CHECK_FALSE(r.valid());
            }
        }
    }
}
