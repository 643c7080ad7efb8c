//! Names and phrases as resource persons write them: Roman Urdu, as most phones type.

/// Where a household lives decides which names are common there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// Southern Punjab (Saraiki belt).
    Punjab,
    /// Lower Sindh and Thar.
    Sindh,
    /// The Sindhi-Baloch plains of Jaffarabad.
    BalochPlains,
    /// Pashtun areas: Pishin, Swabi, Swat, Battagram.
    Pashtun,
    /// Hindko-speaking Hazara: Haripur, Mansehra.
    Hazara,
}

/// Names people in one community are commonly given.
pub struct People {
    pub men: &'static [&'static str],
    pub women: &'static [&'static str],
    pub boys: &'static [&'static str],
    pub girls: &'static [&'static str],
}

/// Names heard all over Pakistan.
pub const COMMON: People = People {
    men: &[
        "Muhammad Aslam",
        "Ghulam Rasool",
        "Abdul Sattar",
        "Muhammad Iqbal",
        "Khadim Hussain",
        "Noor Ahmed",
        "Bashir Ahmed",
        "Muhammad Ramzan",
        "Zahid Hussain",
        "Shahid Mehmood",
        "Muhammad Akram",
        "Muhammad Ashraf",
        "Ghulam Mustafa",
        "Abdul Rasheed",
        "Riaz Ahmed",
        "Nazir Ahmed",
        "Muhammad Sadiq",
        "Manzoor Hussain",
        "Ghulam Abbas",
        "Muhammad Yousaf",
    ],
    women: &[
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
        "Shamim Akhtar",
        "Irshad Bibi",
        "Nazia Bibi",
        "Zubaida Khatoon",
        "Haleema Bibi",
        "Sakina Bibi",
    ],
    boys: &[
        "Bilal", "Ali", "Usman", "Hamza", "Ahmed", "Zubair", "Faisal", "Asif", "Imran", "Saqib",
        "Waqas", "Junaid", "Adnan", "Shoaib", "Irfan", "Kashif", "Naveed", "Sajid", "Tariq",
        "Yasir", "Abdullah", "Hassan", "Husnain", "Zeeshan",
    ],
    girls: &[
        "Sana", "Hina", "Ayesha", "Fatima", "Zainab", "Maryam", "Saima", "Kiran", "Nimra", "Iqra",
        "Rabia", "Sidra", "Amna", "Sobia", "Mehwish", "Asma", "Rimsha", "Laiba", "Uzma", "Bushra",
        "Areeba", "Mahnoor", "Khadija", "Anam",
    ],
};

const PUNJAB: People = People {
    men: &[
        "Allah Ditta",
        "Allah Wasaya",
        "Khuda Bakhsh",
        "Ghulam Fareed",
        "Mureed Hussain",
        "Rab Nawaz",
        "Mehar Din",
        "Fazal Din",
        "Ghulam Haider",
        "Jam Khan",
    ],
    women: &[
        "Allah Rakhi",
        "Ghulam Fatima",
        "Sadiqan Bibi",
        "Khurshid Begum",
        "Bashiran Bibi",
        "Naziran Bibi",
    ],
    boys: &["Rizwan", "Mudassar", "Shahzad", "Fareed", "Ramzan"],
    girls: &["Sumaira", "Shabana", "Nazia", "Rehana", "Shumaila"],
};

const SINDH: People = People {
    men: &[
        "Allah Bachayo",
        "Ghulam Qadir",
        "Rahim Bux",
        "Qadir Bux",
        "Juman Khan",
        "Mir Hassan",
        "Ali Nawaz",
        "Pir Bux",
        "Dodo Khan",
        "Gul Hassan",
        "Wahid Bux",
    ],
    women: &[
        "Hawa Bibi",
        "Marvi",
        "Sahib Khatoon",
        "Mai Jindo",
        "Zulekhan Khatoon",
    ],
    boys: &["Aijaz", "Nisar", "Mumtaz", "Sikandar", "Shahzado"],
    girls: &["Marvi", "Sassui", "Sughra", "Naila", "Sanam"],
};

const BALOCH_PLAINS: People = People {
    men: &[
        "Karim Bakhsh",
        "Murad Ali",
        "Ali Hassan",
        "Dad Muhammad",
        "Sher Muhammad",
        "Wali Muhammad",
        "Khan Muhammad",
        "Mir Hazar",
    ],
    women: &["Mah Gul", "Bibi Zainab", "Hani", "Zar Bibi"],
    boys: &["Mir Jan", "Dostain", "Shahbaz", "Sohrab"],
    girls: &["Mah Gul", "Hani", "Sammi", "Gul Bano"],
};

const PASHTUN: People = People {
    men: &[
        "Gul Khan",
        "Sher Ali",
        "Juma Khan",
        "Fazal Rabi",
        "Bakht Zada",
        "Said Rahman",
        "Umar Khan",
        "Niaz Muhammad",
        "Sardar Ali",
        "Abdul Wali",
        "Nazar Muhammad",
        "Taj Muhammad",
    ],
    women: &[
        "Gul Bibi",
        "Bakht Bibi",
        "Zarmina",
        "Gulalai",
        "Palwasha",
        "Shah Bibi",
    ],
    boys: &["Ihsan", "Sohail", "Wajid", "Noor Wali", "Gul Zada", "Fawad"],
    girls: &["Gul Mina", "Zarghuna", "Palwasha", "Nazo", "Shabana"],
};

const HAZARA: People = People {
    men: &[
        "Muhammad Nawaz",
        "Sher Zaman",
        "Lal Khan",
        "Muhammad Khan",
        "Gul Zaman",
        "Raja Khan",
    ],
    women: &["Gul Jan", "Taj Bibi", "Sardaran Bibi", "Noor Jehan"],
    boys: &["Waqar", "Danish", "Shahzaib", "Kamran"],
    girls: &["Saba", "Tayyaba", "Farah", "Nadia"],
};

/// Tharparkar's Hindu households, some 40 % of the district.
pub const THARI_HINDU: People = People {
    men: &[
        "Bhagwan Das",
        "Kanji Mal",
        "Lakhmi Chand",
        "Mohan Lal",
        "Ramesh Kumar",
        "Dileep Kumar",
        "Parmanand",
        "Shankar Lal",
    ],
    women: &[
        "Kamla Bai",
        "Dhani Bai",
        "Meena Kumari",
        "Sunita",
        "Kavita",
        "Lakshmi",
    ],
    boys: &[
        "Ravi", "Sagar", "Vijay", "Anil", "Mukesh", "Kishore", "Ajay", "Deepak",
    ],
    girls: &[
        "Pooja", "Karishma", "Sapna", "Rekha", "Champa", "Jamna", "Radha",
    ],
};

pub fn regional(region: Region) -> &'static People {
    match region {
        Region::Punjab => &PUNJAB,
        Region::Sindh => &SINDH,
        Region::BalochPlains => &BALOCH_PLAINS,
        Region::Pashtun => &PASHTUN,
        Region::Hazara => &HAZARA,
    }
}

/// Community resource persons: mostly women from the village itself.
pub const CRPS: &[&str] = &[
    "Ayesha", "Naila", "Farzana", "Rubina", "Shabana", "Tahira", "Nadia", "Rehana", "Yasmin",
    "Kaneez", "Saleem", "Javed", "Asma", "Bushra", "Robina", "Shaista",
];

pub const LANDMARKS: &[&str] = &[
    "Near the mosque",
    "Behind the government school",
    "Next to the hand pump",
    "Opposite the flour mill",
    "Near the canal bridge",
    "By the shrine",
    "Near the BHU",
    "Behind the tube well",
    "Next to the general store",
    "Near the graveyard",
    "Last house on the link road",
];

/// Private schools' names, for the children who go to one.
pub const PRIVATE_SCHOOLS: &[&str] = &[
    "Al-Huda Public School",
    "Iqra Model School",
    "Quaid-e-Azam Public School",
    "Al-Noor Grammar School",
    "Jinnah Public School",
];

/// Reasons written under "other", rarely given.
pub const OTHER_REASONS: &[&str] = &[
    "Family dispute",
    "No school uniform or shoes",
    "Father abroad, nobody to take the child",
    "School certificate lost in the flood",
    "Caste taunts at school",
];

pub const PENDING_WHY: &[&str] = &[
    "B-form needed",
    "Waiting for the new session",
    "School asked for an admission fee",
    "Head teacher away, nobody to admit",
    "Leaving certificate from the old school needed",
    "Father to come to the school first",
];

pub const REFUSED_WHY: &[&str] = &[
    "Parents need the child at home",
    "Child works with the father",
    "Girl is too old to go to school, says the family",
    "School is too far",
    "Family will decide after the harvest",
];

pub const VISIT_NOTES: &[&str] = &[
    "Spoke with the mother",
    "Spoke with the father at the shop",
    "Went with the child to the school",
    "Head teacher agreed to waive the fee",
    "Grandmother will take the child",
    "Reminded the family about the B-form at NADRA",
];
