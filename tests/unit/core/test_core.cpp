#include "gridplan/core/sha256.hpp"
#include "gridplan/core/barrier.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/core/json_config.hpp"
#include "gridplan/core/strings.hpp"

#include <catch2/catch.hpp>

using namespace gridplan;

TEST_CASE("errors name the file, layer, feature id and field", "[core]") {
    const InputError e{"ring not closed", "roads.gpkg", "streets", 812};
    CHECK(std::string{e.what()} == "roads.gpkg:streets:fid=812: ring not closed");
    CHECK(e.exit_code() == ExitCode::input);
    const InputError f{"not a number", "hh.geojson", "households", 3, "count"};
    CHECK(std::string{f.what()} == "hh.geojson:households:fid=3: field 'count': not a number");
    CHECK(std::string{InputError{"file not found", "x.shp"}.with_layer("x").what()} == "x.shp:x: file not found");
    const ConfigError c{"barriers[1].clas", "unknown key; did you mean 'class'?", "district.json"};
    CHECK(std::string{c.what()} == "district.json: key 'barriers[1].clas': unknown key; did you mean 'class'?");
    CHECK(UsageError{"x"}.exit_code() == ExitCode::usage);
    CHECK(InfeasibleError{"x"}.exit_code() == ExitCode::infeasible);
    CHECK(InternalError{"x"}.exit_code() == ExitCode::internal);
}

TEST_CASE("barrier classes are ordered by strength", "[core]") {
    CHECK(BarrierClass::river > BarrierClass::road);
    CHECK(BarrierClass::road > BarrierClass::street);
    CHECK(BarrierClass::street > BarrierClass::alley);
    CHECK(BarrierClass::alley > BarrierClass::none);
    CHECK(parse_barrier_class("river") == BarrierClass::river);
    CHECK_FALSE(parse_barrier_class("River").has_value());
    CHECK(to_string(BarrierClass::alley) == "alley");
}

TEST_CASE("nearest word suggests likely typos only", "[core]") {
    const std::vector<std::string> keys{"boundary", "barriers", "water", "households", "blocks"};
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(nearest_word("barrier", keys) == "barriers");
    CHECK(nearest_word("boundry", keys) == "boundary");
    CHECK(nearest_word("houshold", keys) == "households");
    CHECK(nearest_word("zzzzzz", keys).empty());
    CHECK(format_fixed(-0.0001, 2) == "0.00");
    CHECK(format_fixed(2.345, 1) == "2.3");
    CHECK(join_limited({"a", "b", "c"}, 2) == "a, b and 1 more");
}

TEST_CASE("SHA-256 matches the FIPS 180-4 examples", "[core]") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // Two blocks: the padding spills into a second one.
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    // Fed in pieces, the same digest.
    Sha256 h;
    const std::string million(1000000, 'a');
    for (std::size_t i = 0; i < million.size(); i += 777) {
        h.update(million.data() + i, std::min<std::size_t>(777, million.size() - i));
    }
    CHECK(h.hex_digest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("a duplicate key in a config is an error naming its dotted path", "[core][config]") {
    auto error_of = [](const std::string& text) -> std::string {
        try {
            (void)parse_json_with_comments(text, "d.json");
        } catch (const ConfigError& e) {
            return e.what();
        }
        return "no error";
    };
    CHECK(error_of(R"({"a": 1, "b": {"c": 1, "d": [1, 2]}})") == "no error");
    // The same key in different objects is fine; comments are still allowed.
    CHECK(error_of(R"({"a": {"x": 1}, /* c */ "b": {"x": 2}, "l": [{"x": 1}, {"x": 2}]} // end)") == "no error");
    CHECK(error_of(R"({"a": 1, "a": 2})") == "d.json: key 'a': duplicate key: give each key once");
    CHECK_THAT(error_of(R"({"plan": {"seed": 1, "tolerance": 0.1, "seed": 2}})"), Catch::Contains("key 'plan.seed'"));
    CHECK_THAT(error_of(R"({"b": [{"p": 1}, [3, {"q": 1}], {"p": 1, "class": "road", "class": "river"}]})"),
               Catch::Contains("key 'b[2].class': duplicate key"));
}

TEST_CASE("a config that is not a plain file of a sane size is refused before reading", "[core][config]") {
    auto error_of = [](const std::string& path) -> std::string {
        try {
            (void)read_json_file(path);
        } catch (const InputError& e) {
            return e.what();
        }
        return "no error";
    };
    CHECK_THAT(error_of("/tmp"), Catch::StartsWith("/tmp: is a directory, not a config file"));
    CHECK_THAT(error_of("/dev/zero"), Catch::StartsWith("/dev/zero: not a regular file"));
    CHECK_THAT(error_of("/dev/urandom"), Catch::StartsWith("/dev/urandom: not a regular file"));
    CHECK_THAT(error_of("/nonexistent/d.json"), Catch::Contains("cannot read config file"));
    CHECK(max_config_bytes == 16U * 1024U * 1024U);
}
