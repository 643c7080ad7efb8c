//! Demo tehsils, union councils and villages under the reference districts, named as places
//! in each district are named, and labelled as demo in both languages.

use crate::names::Region;
use crate::rng::{Rng, stable_hash};
use daakhla_domain::geography::{Geography, Place};
use daakhla_domain::lang::Bilingual;

/// Added to every generated place's English name.
pub const DEMO_LABEL_EN: &str = " (demo)";
/// Added to every generated place's Urdu name ("sample").
pub const DEMO_LABEL_UR: &str = " (نمونہ)";

/// How villages are named locally: a word before or after a family, clan or founder's name,
/// or the numbered chaks of the canal colonies.
#[derive(Clone, Copy)]
enum Pattern {
    Before(&'static str, &'static str),
    After(&'static str, &'static str),
    Chak,
}

struct VillageStyle {
    patterns: &'static [Pattern],
    stems: &'static [(&'static str, &'static str)],
}

const PUNJAB_STEMS: &[(&str, &str)] = &[
    ("Malik", "ملک"),
    ("Sultan", "سلطان"),
    ("Noor Shah", "نور شاہ"),
    ("Jamal", "جمال"),
    ("Lashari", "لاشاری"),
    ("Gurmani", "گورمانی"),
    ("Khosa", "کھوسہ"),
    ("Mazari", "مزاری"),
    ("Bhutta", "بھٹہ"),
    ("Wattoo", "وٹو"),
    ("Joiya", "جوئیہ"),
    ("Sial", "سیال"),
    ("Langah", "لنگاہ"),
    ("Allah Yar", "اللہ یار"),
    ("Fateh Muhammad", "فتح محمد"),
];

/// Bahawalnagar and Bahawalpur: canal-colony chaks, and bastis.
const PUNJAB_CANAL: VillageStyle = VillageStyle {
    patterns: &[
        Pattern::Chak,
        Pattern::Chak,
        Pattern::Before("Basti", "بستی"),
        Pattern::Before("Mauza", "موضع"),
    ],
    stems: PUNJAB_STEMS,
};

/// Dera Ghazi Khan and Rajanpur.
const PUNJAB_WEST: VillageStyle = VillageStyle {
    patterns: &[
        Pattern::Before("Basti", "بستی"),
        Pattern::Before("Mauza", "موضع"),
        Pattern::Before("Kot", "کوٹ"),
        Pattern::Before("Dera", "ڈیرہ"),
    ],
    stems: PUNJAB_STEMS,
};

const SINDH: VillageStyle = VillageStyle {
    patterns: &[
        Pattern::Before("Goth", "گوٹھ"),
        Pattern::Before("Goth", "گوٹھ"),
        Pattern::Before("Deh", "دیہہ"),
    ],
    stems: &[
        ("Allah Bachayo", "اللہ بچایو"),
        ("Haji Ibrahim", "حاجی ابراہیم"),
        ("Juman Shah", "جمن شاہ"),
        ("Mir Muhammad", "میر محمد"),
        ("Ali Nawaz", "علی نواز"),
        ("Rahim Dino", "رحیم ڈنو"),
        ("Jokhio", "جوکھیو"),
        ("Palari", "پلاری"),
        ("Khaskheli", "خاصخیلی"),
        ("Mallah", "ملاح"),
        ("Soomro", "سومرو"),
        ("Chandio", "چانڈیو"),
        ("Junejo", "جونیجو"),
        ("Samejo", "سمیجو"),
        ("Bheel", "بھیل"),
        ("Kolhi", "کولہی"),
        ("Meghwar", "میگھواڑ"),
    ],
};

/// Jaffarabad.
const BALOCH_PLAINS: VillageStyle = VillageStyle {
    patterns: &[Pattern::Before("Goth", "گوٹھ")],
    stems: &[
        ("Jamali", "جمالی"),
        ("Umrani", "عمرانی"),
        ("Khosa", "کھوسہ"),
        ("Domki", "ڈومکی"),
        ("Bugti", "بگٹی"),
        ("Lehri", "لہڑی"),
        ("Rind", "رند"),
        ("Magsi", "مگسی"),
        ("Haji Ali Muhammad", "حاجی علی محمد"),
        ("Mir Hazar", "میر ہزار"),
        ("Sher Muhammad", "شیر محمد"),
        ("Karim Bakhsh", "کریم بخش"),
    ],
};

/// Pishin.
const PISHIN: VillageStyle = VillageStyle {
    patterns: &[Pattern::Before("Killi", "کلی")],
    stems: &[
        ("Kakar", "کاکڑ"),
        ("Tareen", "ترین"),
        ("Syedan", "سیدان"),
        ("Haji Abdullah", "حاجی عبداللہ"),
        ("Malik Yar", "ملک یار"),
        ("Karbala", "کربلا"),
        ("Achakzai", "اچکزئی"),
        ("Khudaidad", "خداداد"),
        ("Abdul Rahim", "عبدالرحیم"),
        ("Sheikhan", "شیخان"),
        ("Nazar Muhammad", "نظر محمد"),
        ("Haji Gul", "حاجی گل"),
    ],
};

/// Swabi, Swat, Battagram.
const PASHTUN_KP: VillageStyle = VillageStyle {
    patterns: &[
        Pattern::Before("Dheri", "ڈھیری"),
        Pattern::After("Banda", "بانڈہ"),
        Pattern::Before("Kalay", "کلے"),
    ],
    stems: &[
        ("Gul", "گل"),
        ("Sher Khan", "شیر خان"),
        ("Akbar", "اکبر"),
        ("Bahadar", "بہادر"),
        ("Malakan", "ملکان"),
        ("Syedan", "سیدان"),
        ("Mian Khan", "میاں خان"),
        ("Qazi", "قاضی"),
        ("Umar Khan", "عمر خان"),
        ("Zarif", "ظریف"),
        ("Fazal", "فضل"),
        ("Dost Muhammad", "دوست محمد"),
    ],
};

/// Haripur, Mansehra.
const HAZARA: VillageStyle = VillageStyle {
    patterns: &[
        Pattern::Before("Mohra", "موہڑہ"),
        Pattern::Before("Dhok", "ڈھوک"),
        Pattern::Before("Bandi", "بانڈی"),
        Pattern::Before("Dheri", "ڈھیری"),
    ],
    stems: &[
        ("Jadoon", "جدون"),
        ("Tanoli", "تنولی"),
        ("Swati", "سواتی"),
        ("Gujjran", "گجراں"),
        ("Abbasi", "عباسی"),
        ("Syedan", "سیدان"),
        ("Mughal", "مغل"),
        ("Qureshi", "قریشی"),
        ("Lal Khan", "لال خان"),
        ("Sher Zaman", "شیر زمان"),
        ("Awan", "اعوان"),
        ("Karim Dad", "کریم داد"),
    ],
};

/// What the demo knows about a campaign district.
struct District {
    code: &'static str,
    region: Region,
    style: &'static VillageStyle,
    /// Two of the district's tehsils (talukas in Sindh), in English and Urdu.
    tehsils: [(&'static str, &'static str); 2],
    /// Roughly the middle of the district's settled area, for GPS fixes.
    centre: (f64, f64),
}

const DISTRICTS: &[District] = &[
    District {
        code: "PB-BWN",
        region: Region::Punjab,
        style: &PUNJAB_CANAL,
        tehsils: [("Chishtian", "چشتیاں"), ("Haroonabad", "ہارون آباد")],
        centre: (29.99, 73.25),
    },
    District {
        code: "PB-BWP",
        region: Region::Punjab,
        style: &PUNJAB_CANAL,
        tehsils: [
            ("Ahmedpur East", "احمد پور شرقیہ"),
            ("Hasilpur", "حاصل پور"),
        ],
        centre: (29.39, 71.68),
    },
    District {
        code: "PB-DGK",
        region: Region::Punjab,
        style: &PUNJAB_WEST,
        tehsils: [
            ("Dera Ghazi Khan", "ڈیرہ غازی خان"),
            ("Kot Chutta", "کوٹ چھٹہ"),
        ],
        centre: (30.05, 70.64),
    },
    District {
        code: "PB-RJP",
        region: Region::Punjab,
        style: &PUNJAB_WEST,
        tehsils: [("Jampur", "جام پور"), ("Rojhan", "روجھان")],
        centre: (29.10, 70.33),
    },
    District {
        code: "SD-THT",
        region: Region::Sindh,
        style: &SINDH,
        tehsils: [
            ("Mirpur Sakro", "میرپور ساکرو"),
            ("Ghorabari", "گھوڑا باری"),
        ],
        centre: (24.75, 67.92),
    },
    District {
        code: "SD-JMS",
        region: Region::Sindh,
        style: &SINDH,
        tehsils: [("Kotri", "کوٹری"), ("Sehwan", "سیہون")],
        centre: (25.43, 68.28),
    },
    District {
        code: "SD-THP",
        region: Region::Sindh,
        style: &SINDH,
        tehsils: [("Mithi", "مٹھی"), ("Diplo", "ڈیپلو")],
        centre: (24.74, 69.80),
    },
    District {
        code: "BL-JFB",
        region: Region::BalochPlains,
        style: &BALOCH_PLAINS,
        tehsils: [("Jhat Pat", "جھٹ پٹ"), ("Usta Muhammad", "استا محمد")],
        centre: (28.37, 68.35),
    },
    District {
        code: "BL-PSN",
        region: Region::Pashtun,
        style: &PISHIN,
        tehsils: [("Pishin", "پشین"), ("Karezat", "کاریزات")],
        centre: (30.58, 67.00),
    },
    District {
        code: "KP-BTG",
        region: Region::Pashtun,
        style: &PASHTUN_KP,
        tehsils: [("Battagram", "بٹگرام"), ("Allai", "الائی")],
        centre: (34.68, 73.02),
    },
    District {
        code: "KP-HRP",
        region: Region::Hazara,
        style: &HAZARA,
        tehsils: [("Haripur", "ہری پور"), ("Ghazi", "غازی")],
        centre: (33.99, 72.93),
    },
    District {
        code: "KP-MSH",
        region: Region::Hazara,
        style: &HAZARA,
        tehsils: [("Mansehra", "مانسہرہ"), ("Balakot", "بالاکوٹ")],
        centre: (34.33, 73.20),
    },
    District {
        code: "KP-SWB",
        region: Region::Pashtun,
        style: &PASHTUN_KP,
        tehsils: [("Swabi", "صوابی"), ("Topi", "ٹوپی")],
        centre: (34.12, 72.47),
    },
    District {
        code: "KP-SWT",
        region: Region::Pashtun,
        style: &PASHTUN_KP,
        tehsils: [("Babuzai", "بابوزئی"), ("Matta", "مٹہ")],
        centre: (34.78, 72.36),
    },
];

fn known_district(code: &str) -> Option<&'static District> {
    DISTRICTS.iter().find(|d| d.code == code)
}

/// The district part of a code made here (`PB-BWN-T1-UC03-V2` → `PB-BWN`).
fn district_of(code: &str) -> &str {
    match code.match_indices('-').nth(1) {
        Some((end, _)) => &code[..end],
        None => code,
    }
}

fn province_of(code: &str) -> &str {
    code.split('-').next().unwrap_or_default()
}

/// The region whose names a place's people and villages carry.
pub fn region_of(code: &str) -> Region {
    if let Some(district) = known_district(district_of(code)) {
        return district.region;
    }
    match province_of(code) {
        "SD" => Region::Sindh,
        "BL" => Region::BalochPlains,
        "KP" => Region::Pashtun,
        _ => Region::Punjab,
    }
}

fn style_of(code: &str) -> &'static VillageStyle {
    if let Some(district) = known_district(district_of(code)) {
        return district.style;
    }
    match province_of(code) {
        "SD" => &SINDH,
        "BL" => &BALOCH_PLAINS,
        "KP" => &PASHTUN_KP,
        _ => &PUNJAB_WEST,
    }
}

pub fn is_tharparkar(code: &str) -> bool {
    district_of(code) == "SD-THP"
}

/// Where a village's houses stand: near its district's centre, the same spot every time.
pub fn village_centre(village_code: &str) -> (f64, f64) {
    let (lat, lon) = match known_district(district_of(village_code)) {
        Some(district) => district.centre,
        None => match province_of(village_code) {
            "SD" => (25.4, 68.4),
            "BL" => (29.6, 67.6),
            "KP" => (34.3, 72.6),
            _ => (29.9, 71.5),
        },
    };
    let h = stable_hash(village_code.as_bytes());
    let offset = |bits: u64| ((bits & 0xFFFF) as f64 / 65_535.0 - 0.5) * 0.24;
    (lat + offset(h), lon + offset(h >> 16))
}

/// How many tehsils a district gets: one or two, fixed by its code so that codes stay
/// stable, and never more than it has union councils.
fn tehsil_count(district_code: &str, ucs_per_district: usize) -> usize {
    // A third of districts get one.
    let wanted = match stable_hash(district_code.as_bytes()) % 3 {
        0 => 1,
        _ => 2,
    };
    wanted.min(ucs_per_district.max(1))
}

fn tehsil_name(district: &Place, t: usize) -> (String, String) {
    match known_district(&district.code) {
        Some(known) => {
            let (en, ur) = known.tehsils[t - 1];
            (en.to_string(), ur.to_string())
        }
        None => (
            format!("{} {t}", district.name.en),
            format!("{} {t}", district.name.ur),
        ),
    }
}

/// Distinct village names for one district, in a fixed order that looks random. When a
/// district needs more than the style can make, names come round again as Kalan ("big") and
/// Khurd ("small"), as Punjab's twin villages do, then numbered.
struct VillageNamer {
    names: Vec<(String, String)>,
}

impl VillageNamer {
    fn new(district_code: &str) -> VillageNamer {
        let style = style_of(district_code);
        let mut rng = Rng::keyed(0, district_code.as_bytes());
        let chak_numbers = rng.shuffled(400);
        let mut next_chak = chak_numbers.iter().map(|n| n + 1);
        let mut names = Vec::new();
        for pattern in style.patterns {
            for (stem_en, stem_ur) in style.stems {
                names.push(match *pattern {
                    Pattern::Before(en, ur) => {
                        (format!("{en} {stem_en}"), format!("{ur} {stem_ur}"))
                    }
                    Pattern::After(en, ur) => {
                        (format!("{stem_en} {en}"), format!("{stem_ur} {ur}"))
                    }
                    Pattern::Chak => {
                        let n = next_chak.next().expect("400 chak numbers");
                        (format!("Chak {n}"), format!("چک {n}"))
                    }
                });
            }
        }
        names.sort();
        names.dedup();
        let order = rng.shuffled(names.len());
        VillageNamer {
            names: order.into_iter().map(|i| names[i].clone()).collect(),
        }
    }

    fn name(&self, k: usize) -> (String, String) {
        let (en, ur) = &self.names[k % self.names.len()];
        match k / self.names.len() {
            0 => (en.clone(), ur.clone()),
            1 => (format!("{en} Kalan"), format!("{ur} کلاں")),
            2 => (format!("{en} Khurd"), format!("{ur} خورد")),
            round => (format!("{en} {round}"), format!("{ur} {round}")),
        }
    }
}

fn demo_place(code: String, parent: &str, (en, ur): (String, String)) -> Place {
    Place {
        code,
        parent: Some(parent.to_string()),
        name: Bilingual {
            en: format!("{en}{DEMO_LABEL_EN}"),
            ur: format!("{ur}{DEMO_LABEL_UR}"),
        },
        demo: true,
    }
}

/// Demo tehsils, union councils and villages under every district of `reference` (which is
/// not copied into the result). Each district gets one or two tehsils named after real ones,
/// `ucs_per_district` union councils dealt out between them (`PB-BWN-T1-UC01`,
/// `PB-BWN-T2-UC02`, `PB-BWN-T1-UC03`, …) and `villages_per_uc` villages in each
/// (`PB-BWN-T1-UC03-V2`). Every place is marked `demo` and its names say so. The same
/// arguments always give the same places, and asking for more union councils or villages
/// keeps the codes and names of those made before.
pub fn demo_geography(
    reference: &Geography,
    ucs_per_district: usize,
    villages_per_uc: usize,
) -> Geography {
    let mut geo = Geography {
        source: "Demo places generated by daakhla-demo: not real union councils or villages. \
                 Tehsil names are real, but these demo tehsils hold no real data."
            .into(),
        ..Default::default()
    };
    for district in &reference.districts {
        let tehsils = tehsil_count(&district.code, ucs_per_district);
        for t in 1..=tehsils {
            geo.tehsils.push(demo_place(
                format!("{}-T{t}", district.code),
                &district.code,
                tehsil_name(district, t),
            ));
        }
        let namer = VillageNamer::new(&district.code);
        for u in 1..=ucs_per_district {
            let tehsil = format!("{}-T{}", district.code, (u - 1) % tehsils + 1);
            let uc = format!("{tehsil}-UC{u:02}");
            let first_village = (u - 1) * villages_per_uc;
            // A union council is known by its number and its main village.
            let (main_en, main_ur) = namer.name(first_village);
            geo.union_councils.push(demo_place(
                uc.clone(),
                &tehsil,
                (
                    format!("UC {u} {main_en}"),
                    format!("یونین کونسل {u} {main_ur}"),
                ),
            ));
            for v in 1..=villages_per_uc {
                geo.villages.push(demo_place(
                    format!("{uc}-V{v}"),
                    &uc,
                    namer.name(first_village + v - 1),
                ));
            }
        }
    }
    geo
}

/// A demo place's name without its demo label, as people would say it.
pub fn plain_name(name: &str) -> &str {
    name.trim_end_matches(DEMO_LABEL_EN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_name_their_district() {
        assert_eq!(district_of("PB-BWN-T1-UC03-V2"), "PB-BWN");
        assert_eq!(district_of("PB-BWN"), "PB-BWN");
        assert_eq!(district_of("V1"), "V1");
        assert_eq!(region_of("KP-HRP-T2-UC02-V1"), Region::Hazara);
        assert_eq!(region_of("SD-XYZ-T1"), Region::Sindh);
        assert_eq!(region_of("V1"), Region::Punjab);
    }

    #[test]
    fn every_known_district_has_enough_distinct_village_names() {
        for district in DISTRICTS {
            let namer = VillageNamer::new(district.code);
            assert!(namer.names.len() >= 12, "{}", district.code);
            let mut en: Vec<_> = (0..3 * namer.names.len())
                .map(|k| namer.name(k).0)
                .collect();
            en.sort();
            let before = en.len();
            en.dedup();
            assert_eq!(en.len(), before, "{}", district.code);
        }
    }

    #[test]
    fn gps_centres_lie_in_pakistan() {
        for district in DISTRICTS {
            let (lat, lon) = village_centre(&format!("{}-T1-UC01-V1", district.code));
            assert!((23.5..37.5).contains(&lat) && (60.5..78.0).contains(&lon));
        }
    }
}
