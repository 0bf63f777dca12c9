#include "synth/detail/names.hpp"

#include <iterator>

namespace gridplan::synth::detail {

namespace {

// Words used in street, community and company names across Shandong cities.
struct RawWord {
    const char* en;
    const char* zh;
};

constexpr RawWord words[] = {
    {"Dongfeng", "东风"},  {"Shengli", "胜利"},  {"Hongqi", "红旗"},     {"Heping", "和平"},     {"Renmin", "人民"},
    {"Xinhua", "新华"},    {"Jiankang", "健康"}, {"Minsheng", "民生"},   {"Wenhua", "文化"},     {"Qingnian", "青年"},
    {"Guangming", "光明"}, {"Xingfu", "幸福"},   {"Jianshe", "建设"},    {"Fuqiang", "富强"},    {"Minzhu", "民主"},
    {"Tuanjie", "团结"},   {"Yonghe", "永和"},   {"Taiping", "太平"},    {"Changsheng", "长盛"}, {"Anding", "安定"},
    {"Kangle", "康乐"},    {"Beihai", "北海"},   {"Dongguan", "东关"},   {"Xiguan", "西关"},     {"Nanguan", "南关"},
    {"Beiguan", "北关"},   {"Kuiwen", "奎文"},   {"Weizhou", "潍州"},    {"Yuqing", "玉清"},     {"Guangwen", "广文"},
    {"Huayuan", "华苑"},   {"Songyuan", "松园"}, {"Fushou", "福寿"},     {"Xiyuan", "西园"},     {"Dongyuan", "东园"},
    {"Taoyuan", "桃园"},   {"Liyuan", "梨园"},   {"Hexi", "河西"},       {"Hedong", "河东"},     {"Qinghe", "清河"},
    {"Jinma", "金马"},     {"Jinbao", "金宝"},   {"Zhongxing", "中兴"},  {"Huaxia", "华夏"},     {"Longquan", "龙泉"},
    {"Fenghuang", "凤凰"}, {"Jinshui", "金水"},  {"Qingfeng", "清风"},   {"Mingyue", "明月"},    {"Chunhui", "春晖"},
    {"Yangguang", "阳光"}, {"Lanhua", "兰花"},   {"Meihua", "梅花"},     {"Zhuyuan", "竹园"},    {"Hehua", "荷花"},
    {"Tongda", "通达"},    {"Jinxiu", "锦绣"},   {"Ruixiang", "瑞祥"},   {"Huifeng", "惠丰"},    {"Fengle", "丰乐"},
    {"Baoan", "保安"},     {"Xinglong", "兴隆"}, {"Changjiang", "长江"}, {"Huanghe", "黄河"},    {"Taishan", "泰山"},
    {"Kunlun", "昆仑"},    {"Tianshan", "天山"}, {"Huashan", "华山"},    {"Yongan", "永安"},     {"Jixiang", "吉祥"},
    {"Ruyi", "如意"},      {"Hexie", "和谐"},    {"Wenming", "文明"},    {"Chongwen", "崇文"},   {"Shangde", "尚德"},
    {"Boxue", "博学"},     {"Dongming", "东明"}, {"Xinmin", "新民"},     {"Aimin", "爱民"},      {"Limin", "利民"},
    {"Huimin", "惠民"},    {"Fumin", "富民"},    {"Xingmin", "兴民"},    {"Anmin", "安民"},      {"Qingxi", "清溪"},
    {"Yuhua", "育华"},     {"Zhenxing", "振兴"}, {"Kaiyuan", "开元"},    {"Chaoyang", "朝阳"},   {"Xiangyang", "向阳"},
    {"Hongxing", "红星"},  {"Xinxing", "新兴"},  {"Fuxing", "复兴"},     {"Zhongshan", "中山"},  {"Jiefang", "解放"},
    {"Gongnong", "工农"},  {"Tiyu", "体育"},     {"Xueyuan", "学苑"},    {"Keji", "科技"},       {"Chuangye", "创业"},
    {"Yinhe", "银河"},     {"Xinghe", "星河"},   {"Jinqiao", "金桥"},    {"Yuquan", "玉泉"},     {"Baihe", "百合"},
    {"Mudan", "牡丹"},     {"Yulan", "玉兰"},    {"Haitang", "海棠"},    {"Wutong", "梧桐"},     {"Yangliu", "杨柳"},
    {"Songbai", "松柏"},   {"Cuiping", "翠屏"},  {"Jinyuan", "金苑"},    {"Lixin", "立新"},      {"Zhenhua", "振华"},
    {"Anshun", "安顺"},    {"Hongfu", "鸿福"},   {"Deshun", "德顺"},     {"Huaian", "怀安"},     {"Fuhua", "福华"},
    {"Tianyuan", "天元"},  {"Qiming", "启明"},   {"Jingxiu", "景秀"},    {"Lüyuan", "绿园"},
};

constexpr RawWord surnames[] = {
    {"Zhang", "张"}, {"Wang", "王"}, {"Li", "李"},   {"Zhao", "赵"}, {"Liu", "刘"},  {"Chen", "陈"},  {"Yang", "杨"},
    {"Huang", "黄"}, {"Zhou", "周"}, {"Wu", "吴"},   {"Xu", "徐"},   {"Sun", "孙"},  {"Ma", "马"},    {"Zhu", "朱"},
    {"Hu", "胡"},    {"Guo", "郭"},  {"He", "何"},   {"Gao", "高"},  {"Lin", "林"},  {"Zheng", "郑"}, {"Liang", "梁"},
    {"Song", "宋"},  {"Tang", "唐"}, {"Han", "韩"},  {"Feng", "冯"}, {"Yu", "于"},   {"Dong", "董"},  {"Cheng", "程"},
    {"Cao", "曹"},   {"Yuan", "袁"}, {"Deng", "邓"}, {"Xue", "薛"},  {"Tian", "田"}, {"Pan", "潘"},   {"Du", "杜"},
    {"Jiang", "姜"}, {"Cui", "崔"},  {"Qin", "秦"},  {"Ding", "丁"}, {"Wei", "魏"},  {"Ren", "任"},   {"Yin", "尹"},
    {"Kong", "孔"},  {"Meng", "孟"}, {"Shi", "石"},  {"Bai", "白"},  {"Fan", "范"},  {"Qiu", "邱"},
};

constexpr RawWord village_suffixes[] = {
    {"jiazhuang", "家庄"}, {"jiaying", "家营"}, {"jiatun", "家屯"}, {"jiadian", "家店"},
    {"jiawa", "家洼"},     {"zhuang", "庄"},    {"jia", "家"},      {"guanzhuang", "官庄"},
};

constexpr RawWord directions[] = {
    {"East", "东"}, {"West", "西"}, {"South", "南"}, {"North", "北"}, {"Middle", "中"},
};

constexpr RawWord village_prefixes[] = {
    {"Dong", "东"}, {"Xi", "西"}, {"Nan", "南"}, {"Bei", "北"}, {"Qian", "前"}, {"Hou", "后"},
};

std::string zh_number(int n) {
    static const char* digits[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
    if (n < 10) {
        return digits[n];
    }
    std::string s = n >= 20 ? digits[n / 10] : "";
    s += "十";
    s += digits[n % 10];
    return s;
}

std::string en_ordinal(int n) {
    const int tens = (n / 10) % 10;
    const int ones = n % 10;
    const char* suffix = "th";
    if (tens != 1) {
        suffix = ones == 1 ? "st" : ones == 2 ? "nd" : ones == 3 ? "rd" : "th";
    }
    return std::to_string(n) + suffix;
}

/// Variant 0: plain; 1-5: directions; 6+: ordinals 2, 3, ...
std::string compose(const Word& w, const Suffix& s, int variant) {
    std::string en = w.en;
    std::string zh = w.zh;
    if (variant >= 1 && variant <= 5) {
        const RawWord& d = directions[variant - 1];
        return en + " " + d.en + " " + s.en + " " + zh + d.zh + s.zh;
    }
    if (variant >= 6) {
        const int n = variant - 4;
        return en + " " + en_ordinal(n) + " " + s.en + " " + zh + (s.road_style ? "" : "第") + zh_number(n) + s.zh;
    }
    return en + " " + s.en + " " + zh + s.zh;
}

} // namespace

Word Namer::word() {
    const RawWord& w = words[m_rng.index(std::size(words))];
    return Word{w.en, w.zh};
}

bool Namer::take(const std::string& category, const std::string& name) {
    return m_used[category].insert(name).second;
}

std::string Namer::unique(const std::string& category, const Suffix& suffix, const Word* preferred) {
    Word w = preferred != nullptr ? *preferred : word();
    for (int attempt = 0; attempt < 6; ++attempt) {
        const std::string name = compose(w, suffix, 0);
        if (take(category, name)) {
            m_last = w;
            return name;
        }
        w = word();
    }
    for (int variant = 1; variant < 100; ++variant) {
        const std::string name = compose(w, suffix, variant);
        if (take(category, name)) {
            m_last = w;
            return name;
        }
    }
    // Out of names: a repeat is better than none.
    m_last = w;
    return compose(w, suffix, 0);
}

std::string Namer::village(Word& word) {
    auto make = [&word](const RawWord& prefix, const RawWord& surname, const RawWord& suffix, int ordinal) {
        std::string en = surname.en;
        if (prefix.en[0] != '\0') {
            en[0] = static_cast<char>(en[0] - 'A' + 'a');
            en = prefix.en + en;
        }
        en += suffix.en;
        const std::string zh = std::string{prefix.zh} + surname.zh + suffix.zh;
        word = Word{en, zh};
        if (ordinal > 1) {
            return en + " " + en_ordinal(ordinal) + " Village " + zh + zh_number(ordinal) + "村";
        }
        return en + " Village " + zh + "村";
    };
    const RawWord none{"", ""};
    for (int attempt = 0; attempt < 12; ++attempt) {
        const RawWord& s = surnames[m_rng.index(std::size(surnames))];
        const RawWord& x = village_suffixes[m_rng.index(std::size(village_suffixes))];
        const std::string name = make(none, s, x, 1);
        if (take("village", name)) {
            return name;
        }
    }
    const RawWord& s = surnames[m_rng.index(std::size(surnames))];
    const RawWord& x = village_suffixes[m_rng.index(std::size(village_suffixes))];
    for (const RawWord& p : village_prefixes) {
        const std::string name = make(p, s, x, 1);
        if (take("village", name)) {
            return name;
        }
    }
    for (int n = 2; n < 100; ++n) {
        const std::string name = make(none, s, x, n);
        if (take("village", name)) {
            return name;
        }
    }
    return make(none, s, x, 1);
}

} // namespace gridplan::synth::detail
