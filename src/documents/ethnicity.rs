//! The 56 ethnic groups of the national list (GB/T 3304), as an English
//! document names them. A party's ethnicity is typed on the forms; a value
//! that is one of the list's names prints in English, anything else as
//! typed.

use crate::domain::language::Lang;

/// The list's names with their English names, in the standard's order.
const GROUPS: [(&str, &str); 56] = [
    ("汉族", "Han"),
    ("蒙古族", "Mongol"),
    ("回族", "Hui"),
    ("藏族", "Tibetan"),
    ("维吾尔族", "Uyghur"),
    ("苗族", "Miao"),
    ("彝族", "Yi"),
    ("壮族", "Zhuang"),
    ("布依族", "Bouyei"),
    ("朝鲜族", "Korean"),
    ("满族", "Manchu"),
    ("侗族", "Dong"),
    ("瑶族", "Yao"),
    ("白族", "Bai"),
    ("土家族", "Tujia"),
    ("哈尼族", "Hani"),
    ("哈萨克族", "Kazakh"),
    ("傣族", "Dai"),
    ("黎族", "Li"),
    ("傈僳族", "Lisu"),
    ("佤族", "Va"),
    ("畲族", "She"),
    ("高山族", "Gaoshan"),
    ("拉祜族", "Lahu"),
    ("水族", "Sui"),
    ("东乡族", "Dongxiang"),
    ("纳西族", "Naxi"),
    ("景颇族", "Jingpo"),
    ("柯尔克孜族", "Kyrgyz"),
    ("土族", "Tu"),
    ("达斡尔族", "Daur"),
    ("仫佬族", "Mulao"),
    ("羌族", "Qiang"),
    ("布朗族", "Blang"),
    ("撒拉族", "Salar"),
    ("毛南族", "Maonan"),
    ("仡佬族", "Gelao"),
    ("锡伯族", "Xibe"),
    ("阿昌族", "Achang"),
    ("普米族", "Pumi"),
    ("塔吉克族", "Tajik"),
    ("怒族", "Nu"),
    ("乌孜别克族", "Uzbek"),
    ("俄罗斯族", "Russian"),
    ("鄂温克族", "Evenki"),
    ("德昂族", "De'ang"),
    ("保安族", "Bonan"),
    ("裕固族", "Yugur"),
    ("京族", "Gin"),
    ("塔塔尔族", "Tatar"),
    ("独龙族", "Derung"),
    ("鄂伦春族", "Oroqen"),
    ("赫哲族", "Hezhen"),
    ("门巴族", "Monpa"),
    ("珞巴族", "Lhoba"),
    ("基诺族", "Jino"),
];

/// A party's ethnicity as a document in `lang` prints it: in English, a
/// name of the list (written with or without 族) by its English name.
pub fn printed(value: &str, lang: Lang) -> String {
    if lang == Lang::En {
        let name = value.trim();
        let found = GROUPS.iter().find(|(zh, _)| *zh == name || zh.strip_suffix('族') == Some(name));
        if let Some((_, en)) = found {
            return (*en).to_owned();
        }
    }
    value.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_english_document_names_a_listed_group_in_english_and_keeps_anything_else() {
        assert_eq!(printed("汉族", Lang::En), "Han");
        assert_eq!(printed("汉", Lang::En), "Han");
        assert_eq!(printed("蒙古族", Lang::En), "Mongol");
        assert_eq!(printed("汉族", Lang::ZhCn), "汉族");
        assert_eq!(printed("Han Chinese", Lang::En), "Han Chinese", "typed in English");
        assert_eq!(printed("未识别", Lang::En), "未识别", "not a name of the list");
    }

    #[test]
    fn the_list_names_each_group_once() {
        let mut zh: Vec<&str> = GROUPS.iter().map(|(z, _)| *z).collect();
        zh.sort_unstable();
        zh.dedup();
        assert_eq!(zh.len(), 56);
        assert!(GROUPS.iter().all(|(z, e)| z.ends_with('族') && e.is_ascii()));
    }
}
