//! How alike two household surveys are: the clue a resource person gets before saving a
//! household that may already be recorded, and the coordinator's list of likely duplicates.
//!
//! Names are written in Urdu script on one phone and in Roman Urdu on another ("محمد اسلم",
//! "Muhammad Aslam", "M. Aslam"), so they are compared as consonant skeletons both scripts
//! reduce to: vowels are left out (Urdu script mostly omits them, and Roman spellings vary
//! most in them), letters that sound alike share one symbol, and names too common to tell
//! households apart ("Muhammad") are dropped. The household number, the children's ages and
//! sexes, and the distance between GPS fixes add to (or, far apart, take from) the score.

use crate::Lang;
use crate::household::{GpsFix, HouseholdSurvey};
use crate::ids::ChildId;
use serde::Serialize;

/// From this score up, two households are shown as likely the same.
pub const LIKELY_DUPLICATE: u8 = 60;

/// Why two households look alike; each clue carries what the screens show.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "clue", rename_all = "snake_case")]
pub enum Clue {
    /// The same number, written alike ("12", "012", "۱۲", "12-A" and "12a").
    SameNumber,
    /// The heads' names sound alike, across scripts (percent).
    HeadNameAlike { percent: u8 },
    /// A father's name on one roster sounds like the other's head or a father there.
    FatherNameAlike { percent: u8 },
    /// Children of the same sex and age (within a year) on both rosters.
    ChildrenAlike { alike: u8, of: u8 },
    /// Both have GPS fixes this close.
    Near { metres: u32 },
    /// Both have GPS fixes this far apart (counts against).
    FarApart { metres: u32 },
}

impl Clue {
    /// A code for the clue's kind, for screens that draw it.
    pub fn code(&self) -> &'static str {
        match self {
            Clue::SameNumber => "same_number",
            Clue::HeadNameAlike { .. } => "head_name_alike",
            Clue::FatherNameAlike { .. } => "father_name_alike",
            Clue::ChildrenAlike { .. } => "children_alike",
            Clue::Near { .. } => "near",
            Clue::FarApart { .. } => "far_apart",
        }
    }

    /// The clue as a resource person reads it.
    pub fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (Clue::SameNumber, Lang::En) => "Same household number".into(),
            (Clue::SameNumber, Lang::Ur) => "گھرانے کا نمبر ایک ہی ہے".into(),
            (Clue::HeadNameAlike { percent }, Lang::En) => {
                format!("Head's name sounds alike ({percent}%)")
            }
            (Clue::HeadNameAlike { percent }, Lang::Ur) => {
                format!("سربراہ کا نام ملتا جلتا ہے ({percent}%)")
            }
            (Clue::FatherNameAlike { percent }, Lang::En) => {
                format!("A father's name sounds alike ({percent}%)")
            }
            (Clue::FatherNameAlike { percent }, Lang::Ur) => {
                format!("والد کا نام ملتا جلتا ہے ({percent}%)")
            }
            (Clue::ChildrenAlike { alike, of }, Lang::En) => {
                format!("{alike} of {of} children: same sex and age")
            }
            (Clue::ChildrenAlike { alike, of }, Lang::Ur) => {
                format!("{of} میں سے {alike} بچے: جنس اور عمر ایک جیسی")
            }
            (Clue::Near { metres }, Lang::En) => format!("{metres} m apart"),
            (Clue::Near { metres }, Lang::Ur) => format!("{metres} میٹر کے فاصلے پر"),
            (Clue::FarApart { metres }, Lang::En) => {
                format!("{metres} m apart: likely two houses")
            }
            (Clue::FarApart { metres }, Lang::Ur) => {
                format!("{metres} میٹر دور: شاید دو گھر")
            }
        }
    }
}

/// How alike two households are, 0–100, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Likeness {
    pub score: u8,
    pub clues: Vec<Clue>,
}

impl Likeness {
    pub fn is_likely_duplicate(&self) -> bool {
        self.score >= LIKELY_DUPLICATE
    }
}

/// Names too common in Pakistan to say anything about which household it is.
const COMMON_NAMES: &[&str] = &["mhmd", "mhd", "md", "m", "b", "hj", "mst", "msmt", "sd"];

/// What a survey is compared on, worked out once: the review list compares each household
/// with every other of its village.
#[derive(Debug, Clone)]
pub struct Traits {
    number: String,
    head: Option<Name>,
    /// Fathers named on the roster, each once.
    fathers: Vec<Name>,
    /// The head and the fathers, each once: most often one name.
    people: Vec<Name>,
    children: Vec<ChildTraits>,
    gps: Option<GpsFix>,
}

#[derive(Debug, Clone)]
struct ChildTraits {
    id: ChildId,
    sex: crate::codes::ChildSex,
    age: i64,
    name: Name,
}

/// A name's telling words as skeletons, and all of them run together.
#[derive(Debug, Clone, PartialEq)]
struct Name {
    words: Vec<Vec<char>>,
    whole: Vec<char>,
}

impl Name {
    fn of(text: &str) -> Option<Name> {
        let words = telling_words(text);
        (!words.is_empty()).then(|| Name {
            whole: words.concat(),
            words,
        })
    }
}

impl Traits {
    /// Deleted children are left out.
    pub fn of(survey: &HouseholdSurvey) -> Traits {
        let h = &survey.household;
        let living = || survey.children.iter().filter(|c| !c.deleted);
        let fathers =
            each_once(living().filter_map(|c| c.father_name.as_deref().and_then(Name::of)));
        let head = h.head_name.as_deref().and_then(Name::of);
        let people = each_once(head.iter().chain(&fathers).cloned());
        Traits {
            number: number_key(&h.household_number),
            head,
            fathers,
            people,
            children: living()
                .filter_map(|c| {
                    Some(ChildTraits {
                        id: c.id,
                        sex: c.sex,
                        age: c.age_on(h.surveyed_on)?,
                        name: Name::of(&c.name)?,
                    })
                })
                .collect(),
            gps: h.gps,
        }
    }

    fn same_number(&self, other: &Traits) -> bool {
        !self.number.is_empty() && self.number == other.number
    }
}

fn each_once(names: impl Iterator<Item = Name>) -> Vec<Name> {
    let mut once: Vec<Name> = Vec::new();
    for name in names {
        if !once.contains(&name) {
            once.push(name);
        }
    }
    once
}

/// Compares two surveys.
pub fn likeness_of(a: &HouseholdSurvey, b: &HouseholdSurvey) -> Likeness {
    likeness(&Traits::of(a), &Traits::of(b))
}

/// How alike two households are, when they are likely duplicates. The same as `likeness`,
/// but gives up as soon as the pair cannot reach `LIKELY_DUPLICATE`: the review list compares
/// every pair of a village, and most pairs share neither number nor names.
pub fn likely_duplicate(a: &Traits, b: &Traits) -> Option<Likeness> {
    let same_number = a.same_number(b);
    // Heads and fathers, whichever way round: more than the score looks at, never less.
    let names_alike = a.people.iter().any(|x| {
        b.people
            .iter()
            .any(|y| x == y || similarity(x, y) >= NAMES_ALIKE)
    });
    // Without either, the children and nearness together (30 + 15) fall short.
    if !same_number && !names_alike {
        return None;
    }
    Some(likeness(a, b)).filter(Likeness::is_likely_duplicate)
}

/// How alike two households are. Each clue alone stays under `LIKELY_DUPLICATE`: it takes two
/// (a number and a head's name, a head's name and the children, ...).
pub fn likeness(a: &Traits, b: &Traits) -> Likeness {
    let mut score: i32 = 0;
    let mut clues = Vec::new();

    if a.same_number(b) {
        score += 30;
        clues.push(Clue::SameNumber);
    }

    let heads = match (&a.head, &b.head) {
        (Some(x), Some(y)) => similarity(x, y),
        _ => 0.0,
    };
    if heads >= NAMES_ALIKE {
        score += (30.0 * heads).round() as i32;
        clues.push(Clue::HeadNameAlike {
            percent: percent(heads),
        });
    }

    // A roster's fathers are most often its head: then they tell nothing the heads did not.
    // They count when the heads differ (a grandfather answered as head on one visit).
    if heads < NAMES_ALIKE {
        let fathers = father_similarity(a, b).max(father_similarity(b, a));
        if fathers >= NAMES_ALIKE {
            score += (30.0 * fathers).round() as i32;
            clues.push(Clue::FatherNameAlike {
                percent: percent(fathers),
            });
        }
    }

    let (alike, of) = children_alike(a, b);
    if alike > 0 {
        score += 30 * alike as i32 / of as i32;
        clues.push(Clue::ChildrenAlike { alike, of });
    }

    if let (Some(x), Some(y)) = (&a.gps, &b.gps) {
        // The fixes' own errors could account for part of the distance.
        let slack = x.accuracy_m.unwrap_or(0.0) + y.accuracy_m.unwrap_or(0.0);
        let metres = distance_m(x, y);
        let apart = (metres - slack).max(0.0);
        let shown = metres.round() as u32;
        // Houses in a village lane are often this close: nearness only adds to other clues.
        if apart <= 30.0 {
            score += 15;
            clues.push(Clue::Near { metres: shown });
        } else if apart > 500.0 {
            score -= 30;
            clues.push(Clue::FarApart { metres: shown });
        }
    }

    Likeness {
        score: score.clamp(0, 100) as u8,
        clues,
    }
}

/// From this similarity up, two names are taken for the same person's.
const NAMES_ALIKE: f64 = 0.75;

fn percent(similarity: f64) -> u8 {
    (similarity * 100.0).round().clamp(0.0, 100.0) as u8
}

/// The best likeness of a father's name on `a`'s roster to `b`'s head or `b`'s fathers.
fn father_similarity(a: &Traits, b: &Traits) -> f64 {
    a.fathers
        .iter()
        .flat_map(|father| {
            b.head
                .iter()
                .chain(&b.fathers)
                .map(move |other| similarity(father, other))
        })
        .fold(0.0, f64::max)
}

/// How many children are alike (`same_children`), out of the longer roster.
fn children_alike(a: &Traits, b: &Traits) -> (u8, u8) {
    let of = a.children.len().max(b.children.len());
    let alike = paired_children(a, b).len();
    (alike.min(255) as u8, of.min(255) as u8)
}

/// The children of `a`'s roster that are children of `b`'s too, each as the pair of their
/// records (`a`'s, `b`'s): the same sex, ages at most a year apart (surveys of one household
/// can be months apart) and names that sound alike. Each child is paired once at most.
pub fn same_children(a: &HouseholdSurvey, b: &HouseholdSurvey) -> Vec<(ChildId, ChildId)> {
    paired_children(&Traits::of(a), &Traits::of(b))
}

fn paired_children(a: &Traits, b: &Traits) -> Vec<(ChildId, ChildId)> {
    let mut unpaired: Vec<&ChildTraits> = b.children.iter().collect();
    let mut pairs = Vec::new();
    for child in &a.children {
        if let Some(i) = unpaired.iter().position(|other| {
            other.sex == child.sex
                && (other.age - child.age).abs() <= 1
                && similarity(&other.name, &child.name) >= NAMES_ALIKE
        }) {
            pairs.push((child.id, unpaired.swap_remove(i).id));
        }
    }
    pairs
}

/// A household number as people write it: Urdu or Arabic digits as ASCII, without spaces,
/// dashes, slashes or leading zeros, letters lower-cased.
pub fn number_key(number: &str) -> String {
    let plain: String = number
        .chars()
        .filter_map(|c| match c {
            '0'..='9' | 'a'..='z' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            '۰'..='۹' => char::from_digit(c as u32 - '۰' as u32, 10),
            '٠'..='٩' => char::from_digit(c as u32 - '٠' as u32, 10),
            _ => None,
        })
        .collect();
    plain.trim_start_matches('0').to_string()
}

/// How alike two people's names sound, 0–1, by edit distance between skeletons: each word of
/// the shorter name against its best match in the other, or the names whole when that is
/// closer (one writes "عبدالرحمان" as one word, another "Abdul Rehman" as two). Common names
/// are left out unless they are all a name has.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    match (Name::of(a), Name::of(b)) {
        (Some(a), Some(b)) => similarity(&a, &b),
        _ => 0.0,
    }
}

fn similarity(a: &Name, b: &Name) -> f64 {
    let (short, long) = if a.words.len() <= b.words.len() {
        (a, b)
    } else {
        (b, a)
    };
    let by_word: f64 = short
        .words
        .iter()
        .map(|word| {
            long.words
                .iter()
                .map(|other| word_similarity(word, other))
                .fold(0.0, f64::max)
        })
        .sum::<f64>()
        / short.words.len() as f64;
    by_word.max(word_similarity(&a.whole, &b.whole))
}

/// A name's words as skeletons, in order, empty ones (all vowels) left out.
fn skeleton_words(name: &str) -> Vec<String> {
    name.split(|c: char| c.is_whitespace() || c == '.' || c == '-' || c == ',')
        .map(skeleton)
        .filter(|w| !w.is_empty())
        .collect()
}

/// A name as search compares it: every word's skeleton (common names kept), each between
/// spaces (" sn bb " for "Sana Bibi", "ثنا بی بی" and "Sanaa Bibi" alike), so a stored key
/// is searched for a whole word as `" sn "` and for a word's start as `" sn"`. Empty when
/// the name has no consonant.
pub fn search_key(name: &str) -> String {
    let words = skeleton_words(name);
    if words.is_empty() {
        return String::new();
    }
    format!(" {} ", words.join(" "))
}

fn telling_words(name: &str) -> Vec<Vec<char>> {
    let words = skeleton_words(name);
    let telling: Vec<Vec<char>> = words
        .iter()
        .filter(|w| !COMMON_NAMES.contains(&w.as_str()))
        .map(|w| w.chars().collect())
        .collect();
    if telling.is_empty() {
        words.iter().map(|w| w.chars().collect()).collect()
    } else {
        telling
    }
}

fn word_similarity(a: &[char], b: &[char]) -> f64 {
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 0.0;
    }
    1.0 - edit_distance(a, b) as f64 / longest as f64
}

/// Levenshtein distance, one row at a time. Names are short: the rows live on the stack
/// (the review list runs this some million times for a union council).
fn edit_distance(a: &[char], b: &[char]) -> usize {
    const ROW: usize = 64;
    if b.len() >= ROW {
        return edit_distance(&a[..a.len().min(ROW - 1)], &b[..ROW - 1]);
    }
    let mut previous = [0usize; ROW];
    let mut current = [0usize; ROW];
    for (j, cell) in previous.iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for (i, x) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(x != y);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// One word of a name as the consonants both scripts agree on. Symbols: `S` sh, `C` ch,
/// `X` kh, `G` gh; s, z, t, d, h, k each stand for the letters that sound alike.
pub fn skeleton(word: &str) -> String {
    let letters: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
    let mut sounds: Vec<char> = Vec::with_capacity(letters.len());
    let mut i = 0;
    while i < letters.len() {
        let (sound, used) = sound_at(&letters, i);
        i += used;
        if let Some(sound) = sound {
            sounds.push(sound);
        }
    }
    // A word-final h after a consonant is a vowel in both scripts (فاطمہ, "Fatimah", "Shah"
    // as often written شا).
    if sounds.len() > 1 && sounds.last() == Some(&'h') {
        sounds.pop();
    }
    sounds.dedup();
    sounds.into_iter().collect()
}

/// The sound at `letters[i]` (None for vowels and signs) and how many letters it took.
fn sound_at(letters: &[char], i: usize) -> (Option<char>, usize) {
    let next = letters.get(i + 1).copied();
    let roman_pair = match (letters[i], next) {
        ('s', Some('h')) => Some('S'),
        ('c', Some('h')) => Some('C'),
        ('k', Some('h')) => Some('X'),
        ('g', Some('h')) => Some('G'),
        ('z', Some('h')) => Some('z'),
        // Aspirates: the h is the do-chashmi ھ, which Urdu script's skeleton leaves out.
        ('b' | 'p' | 't' | 'd' | 'j', Some('h')) => Some(letters[i]),
        _ => None,
    };
    if let Some(sound) = roman_pair {
        return (Some(sound), 2);
    }
    let sound = match letters[i] {
        'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'w' | 'v' => None,
        'q' | 'c' => Some('k'),
        'x' => Some('k'),
        'b' | 'd' | 'f' | 'g' | 'h' | 'j' | 'k' | 'l' | 'm' | 'n' | 'p' | 'r' | 's' | 't' | 'z' => {
            Some(letters[i])
        }
        // Urdu script.
        'ب' => Some('b'),
        'پ' => Some('p'),
        'ت' | 'ٹ' | 'ط' => Some('t'),
        'ث' | 'س' | 'ص' => Some('s'),
        'ج' => Some('j'),
        'چ' => Some('C'),
        'ح' | 'ہ' | 'ه' | 'ۃ' | 'ة' => Some('h'),
        'خ' => Some('X'),
        'د' | 'ڈ' => Some('d'),
        'ذ' | 'ز' | 'ژ' | 'ض' | 'ظ' => Some('z'),
        'ر' | 'ڑ' => Some('r'),
        'ش' => Some('S'),
        'غ' => Some('G'),
        'ف' => Some('f'),
        'ق' | 'ک' | 'ك' => Some('k'),
        'گ' => Some('g'),
        'ل' => Some('l'),
        'م' => Some('m'),
        'ن' | 'ں' => Some('n'),
        // Alif, ain, waw, ye, hamza, do-chashmi he and the vowel signs: vowels or silent.
        _ => None,
    };
    (sound, 1)
}

/// Metres between two fixes along the earth's surface (haversine).
pub fn distance_m(a: &GpsFix, b: &GpsFix) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_000.0;
    let (lat_a, lat_b) = (a.latitude.to_radians(), b.latitude.to_radians());
    let d_lat = lat_b - lat_a;
    let d_lon = (b.longitude - a.longitude).to_radians();
    let h = (d_lat / 2.0).sin().powi(2) + lat_a.cos() * lat_b.cos() * (d_lon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().asin()
}

#[cfg(test)]
mod tests;
