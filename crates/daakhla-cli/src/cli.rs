//! The command line's shape.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "daakhla",
    version,
    about = "Daakhla (داخلہ): find every out-of-school child, enrol them, keep them in school."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args)]
pub struct Global {
    /// The store file.
    #[arg(
        long,
        global = true,
        env = "DAAKHLA_STORE",
        default_value = "daakhla.sqlite"
    )]
    pub store: PathBuf,
    /// The store's key: 64 hex digits (a raw key) or a PIN or passphrase. Without it, the
    /// device's: a key file beside the store, else the OS keystore (a new store, or a plain
    /// one from before, gets a new key there, encrypted in place).
    #[arg(long, global = true, env = "DAAKHLA_STORE_KEY", hide_env_values = true)]
    pub store_key: Option<String>,
    /// Open or create a plain, unencrypted store, as a server keeps its records: never
    /// encrypts a plain store (pointing at a server's records.sqlite must not lock it away).
    #[arg(
        long,
        global = true,
        env = "DAAKHLA_STORE_PLAIN",
        value_parser = clap::builder::FalseyValueParser::new(),
        conflicts_with = "store_key"
    )]
    pub plain: bool,
    /// Print results as JSON, for scripts.
    #[arg(long, global = true)]
    pub json: bool,
    /// Who is editing: written into every change, for each record's history.
    #[arg(
        long = "as",
        global = true,
        env = "DAAKHLA_USER",
        default_value = "coordinator"
    )]
    pub author: String,
    /// Language of messages: en or ur (default: from DAAKHLA_LANG or LANG).
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    En,
    Ur,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create a store with the reference geography (4 provinces, 14 districts).
    Init {
        /// Also add demo union councils, villages, households, follow-ups and (with households)
        /// schools and their needs.
        #[arg(long)]
        demo: bool,
        /// How many demo households.
        #[arg(long, default_value_t = 300, requires = "demo")]
        households: usize,
        /// Seed of the demo data: the same seed gives the same data.
        #[arg(long, default_value_t = 1, requires = "demo")]
        seed: u64,
    },
    /// Places: import a geography file, list places.
    #[command(subcommand)]
    Geo(GeoCommand),
    /// Household surveys: add or edit from JSON, show one.
    #[command(subcommand)]
    Household(HouseholdCommand),
    /// Lists: households, out-of-school children to follow up, search.
    #[command(subcommand)]
    List(ListCommand),
    /// A child's story: survey, follow-ups, stage and retention checks due.
    #[command(subcommand)]
    Child(ChildCommand),
    /// Schools: save from JSON (new or changed).
    #[command(subcommand)]
    School(SchoolCommand),
    /// Schools' infrastructure needs: save from JSON (new, or moved on to raised, promised,
    /// resolved).
    #[command(subcommand)]
    Need(NeedCommand),
    /// Enrolment follow-ups.
    #[command(subcommand)]
    Followup(FollowupCommand),
    /// The figures of a place (province, district, tehsil, union council or village; none:
    /// everywhere), girls and boys apart, optionally between two dates.
    Report {
        area: Option<String>,
        /// First day counted (YYYY-MM-DD).
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day counted (YYYY-MM-DD).
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
    },
    /// Exports.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Enrol this device with the code from the coordinator, or the link in a hub's QR code.
    Enrol {
        /// The enrolment code (ABCD-EFGH-JKMN) or the whole `daakhla://enrol?...` link.
        code: String,
        /// The server's address, when a code alone is given.
        #[arg(long)]
        server: Option<String>,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Send this device's changes to the server and receive everyone else's.
    Sync {
        /// The server's address, e.g. https://192.168.1.10:8080 (remembered after the first sync).
        #[arg(long)]
        server: Option<String>,
        /// This device's token from the server (remembered after the first sync).
        #[arg(long)]
        token: Option<String>,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Sync packs: carry changes by file (USB, SD card, chat app) when there is no network.
    #[command(subcommand)]
    Pack(PackCommand),
    /// Fields two devices changed at once, for a coordinator to resolve.
    Conflicts,
    /// Who changed which fields of a record, when and on which device.
    History { id: String },
    /// Generate demo records as JSON (for trying things out and for tests).
    #[command(subcommand)]
    Demo(DemoCommand),
    /// A union council's daily digest for officials, with what it costs as SMS.
    Digest {
        /// The union council.
        #[arg(long)]
        uc: String,
    },
}

#[derive(Subcommand)]
pub enum PackCommand {
    /// Write every change the server has not received into FILE, for `daakhla-server pack import`.
    Write {
        file: PathBuf,
        #[command(flatten)]
        enrolment: PackEnrolment,
    },
    /// Take in a pack the server wrote for this device (`daakhla-server pack write`).
    Import {
        file: PathBuf,
        #[command(flatten)]
        enrolment: PackEnrolment,
    },
}

/// How this device trusts the server: the CA and the fingerprint are remembered with it
/// (as at enrolment); `--insecure` holds for this run only.
#[derive(Args, Debug, Default, Clone)]
pub struct TrustArgs {
    /// Trust the server's certificate from this certificate authority (PEM) besides the web's.
    #[arg(long, env = "DAAKHLA_CA_FILE", value_name = "FILE")]
    pub ca_file: Option<std::path::PathBuf>,
    /// Trust only the server certificate with this SHA-256 fingerprint (a hub's link carries
    /// it as `fp=`).
    #[arg(long, value_name = "SHA256")]
    pub fingerprint: Option<String>,
    /// Allow plain http:// to an address beyond this machine and private networks: anyone
    /// on the way can read the token and the records.
    #[arg(long)]
    pub insecure: bool,
}

/// Who this device is on the server: both are printed by `daakhla-server device add`, and
/// remembered after the first time.
#[derive(Args)]
pub struct PackEnrolment {
    /// This device's id on the server.
    #[arg(long)]
    pub device: Option<String>,
    /// This device's token from the server (the same as for `daakhla sync`).
    #[arg(long)]
    pub token: Option<String>,
}

#[derive(Subcommand)]
pub enum GeoCommand {
    /// Add or rename places from a geography JSON file.
    Import { file: PathBuf },
    /// List the places of a level.
    List {
        #[arg(long, value_enum, default_value = "union-council")]
        level: LevelArg,
        /// Only places under this parent code.
        #[arg(long)]
        parent: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LevelArg {
    Province,
    District,
    Tehsil,
    UnionCouncil,
    Village,
}

#[derive(Subcommand)]
pub enum HouseholdCommand {
    /// Add surveys from JSON: one `{"household": {...}, "children": [...]}` or a list of them.
    Add {
        /// A JSON file; `-` or nothing reads standard input.
        file: Option<PathBuf>,
    },
    /// Edit stored surveys from JSON patches that name `household.id` (see README).
    Edit { file: Option<PathBuf> },
    /// Show one survey as stored.
    Show { id: String },
    /// Delete a household and its children (a tombstone that syncs).
    Delete { id: String },
    /// Record that household FROM is the same as INTO: FROM's children move to INTO.
    Merge { from: String, into: String },
    /// Pairs of households in one village that look like one household surveyed twice.
    Duplicates {
        #[arg(long)]
        uc: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum ListCommand {
    /// Households surveyed in a village or union council.
    Households {
        #[arg(long)]
        village: Option<String>,
        #[arg(long)]
        uc: Option<String>,
    },
    /// Out-of-school children still to follow up.
    Osc {
        #[arg(long)]
        uc: Option<String>,
        #[arg(long)]
        village: Option<String>,
    },
    /// Schools of a union council (or all).
    Schools {
        #[arg(long)]
        uc: Option<String>,
    },
    /// Infrastructure needs of a union council's schools (or all).
    Needs {
        #[arg(long)]
        uc: Option<String>,
    },
    /// Find households by number or head's name, and children by name.
    Search {
        text: String,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

#[derive(Subcommand)]
pub enum SchoolCommand {
    /// Save schools from JSON: one or a list; a school with a stored id is replaced.
    Save { file: Option<PathBuf> },
}

#[derive(Subcommand)]
pub enum NeedCommand {
    /// Save needs from JSON: one or a list; a need with a stored id is replaced.
    Save { file: Option<PathBuf> },
}

#[derive(Subcommand)]
pub enum ChildCommand {
    /// A child's lifecycle.
    Show { id: String },
}

#[derive(Subcommand)]
pub enum FollowupCommand {
    /// Add follow-ups from JSON: one or a list.
    Add { file: Option<PathBuf> },
    /// Delete a follow-up recorded by mistake.
    Delete { id: String },
}

#[derive(Subcommand)]
pub enum ExportCommand {
    /// Write one kind of record as CSV with closed-list values as codes (for scripts).
    Csv {
        #[arg(long, value_enum)]
        kind: ExportKind,
        /// Output file; standard output when left out.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write closed-list values as codes (default) or as labels in a language.
        #[arg(long, value_enum, default_value = "codes")]
        values: ValuesArg,
    },
    /// Households, for people: labels and headers in --lang, places by name.
    Households(ExportArgs),
    /// Children on the rosters, with their stage.
    Children(ExportArgs),
    /// Follow-up visits.
    FollowUps(ExportArgs),
    /// Schools.
    Schools(ExportArgs),
    /// Schools' infrastructure needs.
    Needs(ExportArgs),
    /// Every kind, one file each in the folder --out (GeoJSON: households and schools).
    All(ExportArgs),
}

#[derive(clap::Args)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value = "csv")]
    pub format: FormatArg,
    /// Only this union council.
    #[arg(long)]
    pub uc: Option<String>,
    /// The file to write (a folder for `all`).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Csv,
    Xlsx,
    Geojson,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ExportKind {
    Households,
    Children,
    FollowUps,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValuesArg {
    Codes,
    En,
    Ur,
}

#[derive(Subcommand)]
pub enum DemoCommand {
    /// Print demo household surveys for the store's demo villages as a JSON list.
    Households {
        #[arg(long, default_value_t = 10)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Load the reference campaign into the store: 152 union councils in the 14 districts
    /// whose records add up exactly to the seeds' figures (361,545 out of school found,
    /// 128,789 enrolled, 949 schools improved). All of it is about 1.8 million records.
    Campaign {
        /// Only the first N union councils (their share of the figures).
        #[arg(long)]
        ucs: Option<usize>,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
}
