//! The daily digest a union council's LSO sends officials (MNA, MPA, Deputy Commissioner,
//! District Education Officer): out-of-school children found (girls and boys), enrolled so
//! far, open school needs, with the UC's name and the date. In English it always fits one
//! SMS (160 GSM-7 characters); in Urdu it is sent as UCS-2 and may take several parts, which
//! are counted so the coordinator knows what it costs.

use crate::codes::OfficialRole;
use crate::lang::{Bilingual, Lang};
use crate::validation::{Checker, FieldPath, Validate};
use chrono::NaiveDate;
use serde::Serialize;

/// Characters in one SMS in the GSM 7-bit alphabet.
pub const GSM7_SINGLE: usize = 160;
/// GSM-7 characters per part of a concatenated SMS (the rest of the part is its header).
pub const GSM7_PART: usize = 153;
/// UCS-2 characters in one SMS (Urdu and any text outside GSM-7).
pub const UCS2_SINGLE: usize = 70;
/// UCS-2 characters per part of a concatenated SMS.
pub const UCS2_PART: usize = 67;

/// The GSM 03.38 basic character set.
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table: each is sent as an escape and the character, so it counts twice.
const GSM7_EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// How a text is sent by SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsEncoding {
    Gsm7,
    Ucs2,
}

/// What a text costs as SMS: its encoding, its length in that encoding's characters, and
/// how many messages it is sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SmsCount {
    pub encoding: SmsEncoding,
    /// GSM-7 characters (extension characters counted twice) or UTF-16 code units.
    pub units: usize,
    pub parts: usize,
    /// The most units one message of this encoding holds (160 or 70).
    pub single_limit: usize,
}

/// The text's length in GSM-7 characters, or none if a character is not in the alphabet.
pub fn gsm7_length(text: &str) -> Option<usize> {
    text.chars().try_fold(0, |length, c| {
        if GSM7_BASIC.contains(c) {
            Some(length + 1)
        } else if GSM7_EXTENSION.contains(c) {
            Some(length + 2)
        } else {
            None
        }
    })
}

/// How many SMS parts `text` takes: GSM-7 when every character is in its alphabet, UCS-2
/// otherwise.
pub fn sms_count(text: &str) -> SmsCount {
    let (encoding, units, single, part) = match gsm7_length(text) {
        Some(units) => (SmsEncoding::Gsm7, units, GSM7_SINGLE, GSM7_PART),
        None => (
            SmsEncoding::Ucs2,
            text.encode_utf16().count(),
            UCS2_SINGLE,
            UCS2_PART,
        ),
    };
    let parts = match units {
        0 => 0,
        n if n <= single => 1,
        n => n.div_ceil(part),
    };
    SmsCount {
        encoding,
        units,
        parts,
        single_limit: single,
    }
}

/// The figures of one union council on one day that the digest reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DigestFigures {
    pub uc_code: String,
    pub uc_name: Bilingual,
    pub on: NaiveDate,
    /// Out-of-school children found by the survey.
    pub osc_girls: u64,
    pub osc_boys: u64,
    /// Of those, enrolled so far by follow-ups.
    pub enrolled_girls: u64,
    pub enrolled_boys: u64,
    /// School needs not yet resolved.
    pub open_needs: u64,
}

/// A digest ready to send, and what it costs as SMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Digest {
    pub lang: Lang,
    pub text: String,
    pub sms: SmsCount,
}

/// The digest's text in `lang`. In English the union council's name is shortened (ending in
/// ".") when the whole would not fit one SMS, and characters outside GSM-7 are left out of
/// it, so the English digest is always one SMS.
pub fn compose(figures: &DigestFigures, lang: Lang) -> Digest {
    let date = figures.on.format("%d-%m-%Y").to_string();
    let f = figures;
    let text = match lang {
        Lang::En => {
            let body = format!(
                " {date}: OSC found girls {}, boys {}; enrolled so far girls {}, boys {}; \
                 open school needs {}.",
                f.osc_girls, f.osc_boys, f.enrolled_girls, f.enrolled_boys, f.open_needs
            );
            let room = GSM7_SINGLE.saturating_sub(gsm7_length(&body).unwrap_or(GSM7_SINGLE));
            format!("{}{body}", fit_gsm7(&f.uc_name.en, room))
        }
        Lang::Ur => format!(
            "{} {}: اسکول سے باہر بچے ملے: لڑکیاں {}، لڑکے {}؛ اب تک داخلہ: لڑکیاں {}، لڑکے {}؛ \
             اسکولوں کی باقی ضروریات: {}۔",
            f.uc_name.ur.trim(),
            urdu_date(f.on),
            f.osc_girls,
            f.osc_boys,
            f.enrolled_girls,
            f.enrolled_boys,
            f.open_needs
        ),
    };
    Digest {
        lang,
        sms: sms_count(&text),
        text,
    }
}

/// A date as Urdu writes it ("23 نومبر 2026"): a month's name between the numbers reads
/// right in a right-to-left line, where "23-11-2026" would be reordered.
fn urdu_date(on: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "جنوری",
        "فروری",
        "مارچ",
        "اپریل",
        "مئی",
        "جون",
        "جولائی",
        "اگست",
        "ستمبر",
        "اکتوبر",
        "نومبر",
        "دسمبر",
    ];
    use chrono::Datelike;
    format!(
        "{} {} {}",
        on.day(),
        MONTHS[on.month0() as usize],
        on.year()
    )
}

/// `name` in GSM-7 characters only, cut to at most `room` of them (ending in "." if cut).
fn fit_gsm7(name: &str, room: usize) -> String {
    let kept: String = name
        .trim()
        .chars()
        .filter(|c| gsm7_length(&c.to_string()).is_some())
        .collect();
    if gsm7_length(&kept).unwrap_or(0) <= room {
        return kept;
    }
    let mut cut = String::new();
    for c in kept.chars() {
        let next = format!("{cut}{c}");
        if gsm7_length(&next).unwrap_or(usize::MAX) + 1 > room {
            break;
        }
        cut = next;
    }
    format!("{}.", cut.trim_end())
}

crate::codes::coded_enum! {
    /// How a digest went out: by SMS, by WhatsApp, or copied to send some other way.
    pub enum DigestChannel {
        Sms = ("sms", "SMS", "ایس ایم ایس"),
        WhatsApp = ("whatsapp", "WhatsApp", "واٹس ایپ"),
        Copied = ("copied", "Copied", "کاپی کیا"),
    }
}

/// Someone the digest is sent to: an official from the advocacy list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestRecipient {
    #[serde(default)]
    pub name: String,
    pub office: OfficialRole,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl Validate for DigestRecipient {
    fn check(&self, at: &FieldPath, c: &mut Checker) {
        c.required_text(at.key("name"), &self.name);
        c.phone(at.key("phone"), self.phone.as_deref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geography::{Geography, REFERENCE_JSON};

    fn figures(name: Bilingual, each: u64) -> DigestFigures {
        DigestFigures {
            uc_code: "UC-1".into(),
            uc_name: name,
            on: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            osc_girls: each,
            osc_boys: each,
            enrolled_girls: each,
            enrolled_boys: each,
            open_needs: each,
        }
    }

    fn name(en: &str, ur: &str) -> Bilingual {
        Bilingual {
            en: en.into(),
            ur: ur.into(),
        }
    }

    #[test]
    fn the_gsm7_alphabet_counts_extension_characters_twice_and_refuses_others() {
        assert_eq!(gsm7_length("Thatta 12-11-2026: girls 5, boys 7."), Some(35));
        assert_eq!(gsm7_length("a[b]"), Some(6));
        assert_eq!(gsm7_length("€"), Some(2));
        assert_eq!(gsm7_length("Ñandú"), None, "ú is not in GSM-7");
        assert_eq!(gsm7_length("ٹھٹہ"), None);
        assert_eq!(gsm7_length("“quoted”"), None, "curly quotes are not GSM-7");
    }

    #[test]
    fn parts_are_counted_as_phones_send_them() {
        let gsm = |n: usize| sms_count(&"a".repeat(n));
        assert_eq!((gsm(160).parts, gsm(161).parts, gsm(306).parts), (1, 2, 2));
        assert_eq!(gsm(307).parts, 3);
        assert_eq!(sms_count("[".repeat(80).as_str()).parts, 1);
        assert_eq!(sms_count("[".repeat(81).as_str()).parts, 2);
        let ucs = |n: usize| sms_count(&"ب".repeat(n));
        assert_eq!(ucs(70).encoding, SmsEncoding::Ucs2);
        assert_eq!((ucs(70).parts, ucs(71).parts, ucs(134).parts), (1, 2, 2));
        assert_eq!(ucs(135).parts, 3);
        assert_eq!(sms_count("").parts, 0);
    }

    /// The longest names the reference geography has, at the level the digest names (its
    /// districts when it lists no union councils), as union council names.
    fn longest_reference_names() -> Vec<Bilingual> {
        let geo: Geography = serde_json::from_str(REFERENCE_JSON).unwrap();
        let places = if geo.union_councils.is_empty() {
            &geo.districts
        } else {
            &geo.union_councils
        };
        let mut names: Vec<Bilingual> = places.iter().map(|p| p.name.clone()).collect();
        names.sort_by_key(|n| std::cmp::Reverse(n.en.len()));
        assert!(!names.is_empty());
        names.truncate(3);
        names
    }

    #[test]
    fn the_english_digest_fits_one_sms_with_the_longest_names_and_six_digit_figures() {
        let mut names = longest_reference_names();
        names.push(name(
            "Union Council Number 147 Sheikh Muhammad Abdullah Wala Mauza Khairpur (demo)",
            "یونین کونسل",
        ));
        for uc_name in names {
            let digest = compose(&figures(uc_name.clone(), 999_999), Lang::En);
            assert_eq!(digest.sms.encoding, SmsEncoding::Gsm7, "{}", digest.text);
            assert!(digest.sms.units <= GSM7_SINGLE, "{}", digest.text);
            assert_eq!(digest.sms.parts, 1);
            assert!(digest.text.contains("girls 999999, boys 999999"));
            assert!(digest.text.contains("23-11-2026"));
            let shown = digest.text.split(" 23-11-2026").next().unwrap();
            assert!(
                uc_name.en.starts_with(shown.trim_end_matches('.')),
                "{shown} is the start of {}",
                uc_name.en
            );
        }
    }

    #[test]
    fn a_short_name_is_kept_whole_and_non_gsm_letters_are_left_out() {
        let digest = compose(&figures(name("Thatta", "ٹھٹہ"), 12), Lang::En);
        assert_eq!(
            digest.text,
            "Thatta 23-11-2026: OSC found girls 12, boys 12; enrolled so far girls 12, boys 12; \
             open school needs 12."
        );
        let odd = compose(&figures(name("Kōt Ādu", ""), 1), Lang::En);
        assert!(odd.text.starts_with("Kt du 23-11-2026"), "{}", odd.text);
        assert_eq!(odd.sms.encoding, SmsEncoding::Gsm7);
    }

    #[test]
    fn the_urdu_digest_counts_its_ucs2_parts() {
        let small = compose(&figures(name("Thatta", "ٹھٹہ"), 3), Lang::Ur);
        assert_eq!(small.sms.encoding, SmsEncoding::Ucs2);
        assert!(
            small.text.starts_with("ٹھٹہ 23 نومبر 2026:"),
            "{}",
            small.text
        );
        assert_eq!(small.sms.units, small.text.encode_utf16().count());
        assert_eq!(small.sms.parts, small.sms.units.div_ceil(UCS2_PART));
        assert!(small.sms.parts >= 2, "{} units", small.sms.units);
        for uc_name in longest_reference_names() {
            let big = compose(&figures(uc_name, 999_999), Lang::Ur);
            assert!(big.sms.units > small.sms.units);
            assert_eq!(big.sms.parts, big.sms.units.div_ceil(67));
            assert!(big.sms.parts <= 3, "{} parts", big.sms.parts);
        }
    }
}
