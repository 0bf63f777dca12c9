#pragma once
// Bilingual names in the style of a Shandong city: "Dongfeng Street 东风街",
// "Bailang River 白浪河", "Zhangjiazhuang Village 张家庄村". Every name handed out by a
// Namer is unique within its category (East/West/... and ordinal variants follow once the
// plain words are taken).

#include "synth/detail/random.hpp"

#include <map>
#include <set>
#include <string>
#include <utility>

namespace gridplan::synth::detail {

/// A name element in pinyin and in Chinese characters.
struct Word {
    std::string en;
    std::string zh;
};

/// How a kind of place is named: "Street" / "街", and the ordinal style
/// ("Heping 2nd Road 和平二路" for roads, "Heping 2nd Clinic 和平第二诊所" otherwise).
struct Suffix {
    const char* en;
    const char* zh;
    bool road_style = false;
};

class Namer {
public:
    explicit Namer(Rng rng) : m_rng(rng) {}

    /// A random element of the word pool.
    Word word();
    /// A unique "<Word> <Suffix>" name in `category`; prefers `preferred` if given.
    std::string unique(const std::string& category, const Suffix& suffix, const Word* preferred = nullptr);
    /// The word chosen for the last unique() call.
    Word last_word() const noexcept { return m_last; }
    /// A unique village: its name "Zhangjiazhuang Village 张家庄村" and word
    /// ("Zhangjiazhuang", "张家庄").
    std::string village(Word& word);

private:
    bool take(const std::string& category, const std::string& name);

    Rng m_rng;
    Word m_last{"", ""};
    std::map<std::string, std::set<std::string>> m_used;
};

} // namespace gridplan::synth::detail
