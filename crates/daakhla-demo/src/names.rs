//! Names as resource persons write them: Roman Urdu, as most phones type.

pub const MEN: &[&str] = &[
    "Muhammad Aslam",
    "Ghulam Rasool",
    "Abdul Sattar",
    "Allah Ditta",
    "Muhammad Iqbal",
    "Khadim Hussain",
    "Noor Ahmed",
    "Ali Sher",
    "Bashir Ahmed",
    "Gul Muhammad",
    "Rahim Bux",
    "Juma Khan",
    "Sher Ali",
    "Fazal Din",
    "Imran Khan",
    "Shahid Mehmood",
    "Zahid Hussain",
    "Muhammad Ramzan",
    "Qadir Bux",
    "Niaz Ali",
];

pub const WOMEN: &[&str] = &[
    "Shazia Bibi",
    "Nasreen Akhtar",
    "Rukhsana Bibi",
    "Parveen Begum",
    "Zarina Khatoon",
    "Samina Bibi",
    "Razia Sultana",
    "Kulsoom Bibi",
    "Naseem Akhtar",
    "Sughran Bibi",
];

pub const GIRLS: &[&str] = &[
    "Sana", "Hina", "Ayesha", "Fatima", "Zainab", "Maryam", "Saima", "Kiran", "Nimra", "Iqra",
    "Rabia", "Sidra", "Amna", "Sobia", "Mehwish", "Asma", "Rimsha", "Laiba", "Uzma", "Bushra",
];

pub const BOYS: &[&str] = &[
    "Bilal", "Ali", "Usman", "Hamza", "Ahmed", "Zubair", "Faisal", "Asif", "Imran", "Saqib",
    "Waqas", "Junaid", "Adnan", "Shoaib", "Irfan", "Kashif", "Naveed", "Sajid", "Tariq", "Yasir",
];

pub const SURVEYORS: &[&str] = &[
    "Ayesha (CRP)",
    "Naila (CRP)",
    "Farzana (CRP)",
    "Rubina (CRP)",
    "Saleem (CRP)",
];

pub const LANDMARKS: &[&str] = &[
    "Near the mosque",
    "Behind the government school",
    "Next to the hand pump",
    "Opposite the flour mill",
    "Near the canal bridge",
    "By the shrine",
];

/// Village names in English and Urdu.
pub const VILLAGES: &[(&str, &str)] = &[
    ("Basti Malik", "بستی ملک"),
    ("Goth Rahim", "گوٹھ رحیم"),
    ("Mohalla Noor", "محلہ نور"),
    ("Dhok Ali", "ڈھوک علی"),
    ("Kotla Sher", "کوٹلہ شیر"),
    ("Chak Jhumra", "چک جھمرہ"),
    ("Basti Sultan", "بستی سلطان"),
    ("Goth Juma", "گوٹھ جمعہ"),
    ("Banda Gul", "بانڈہ گل"),
    ("Killi Shadi", "کلی شادی"),
    ("Mohalla Faiz", "محلہ فیض"),
    ("Dera Bakhsh", "ڈیرہ بخش"),
];
