//! The UI's TypeScript types, generated from this crate's Rust types: every request, answer
//! and error, each closed list's codes as a union, and the command map the UI's one
//! transport function is typed by. `ui/src/lib/generated/bindings.ts` is this file's output;
//! a test fails when the committed copy is stale (`DAAKHLA_WRITE_BINDINGS=1` rewrites it).

use crate::*;
use ts_rs::{Config, TS};

/// Where the generated file lives, from the workspace root.
pub const BINDINGS_PATH: &str = "ui/src/lib/generated/bindings.ts";

fn config() -> Config {
    // Counts and sizes here are far below 2^53: plain numbers.
    Config::new().with_large_int("number")
}

fn declare<T: TS>(cfg: &Config) -> String {
    format!("export {}\n", T::decl(cfg))
}

macro_rules! command_map {
    ($($name:ident: $request:ty => $response:ty),+ $(,)?) => {
        fn command_map(cfg: &Config) -> String {
            let mut out = String::from(
                "/** Every command: its request and its answer. */\nexport interface Commands {\n",
            );
            $(out.push_str(&format!(
                "  {}: {{ request: {}; response: {} }};\n",
                stringify!($name),
                <$request as TS>::name(cfg),
                <$response as TS>::name(cfg),
            ));)+
            out.push_str("}\n");
            out
        }
    };
}
for_each_command!(command_map);

/// The whole generated file.
pub fn typescript() -> String {
    let cfg = config();
    let declarations = [
        declare::<AppError>(&cfg),
        declare::<ErrorKind>(&cfg),
        declare::<FieldError>(&cfg),
        declare::<SyncState>(&cfg),
        declare::<NoInput>(&cfg),
        declare::<IdRequest>(&cfg),
        declare::<Choice>(&cfg),
        declare::<Vocabulary>(&cfg),
        // The supervisors' dashboard reads these from the server's /v1/report.
        declare::<daakhla_reports::ReportRequest>(&cfg),
        declare::<daakhla_reports::BySex>(&cfg),
        declare::<daakhla_reports::Shares>(&cfg),
        declare::<daakhla_reports::Label>(&cfg),
        declare::<daakhla_reports::PlaceName>(&cfg),
        declare::<daakhla_reports::AgeBandCount>(&cfg),
        declare::<daakhla_reports::Retention>(&cfg),
        declare::<daakhla_reports::ReasonCount>(&cfg),
        declare::<daakhla_reports::NeedCount>(&cfg),
        declare::<daakhla_reports::Week>(&cfg),
        declare::<daakhla_reports::PartRow>(&cfg),
        declare::<daakhla_reports::Report>(&cfg),
        declare::<daakhla_reports::ChildRow>(&cfg),
        declare::<daakhla_reports::VisitRow>(&cfg),
        declare::<daakhla_reports::ChildStory>(&cfg),
        // The app's progress screen reads them from its own store.
        declare::<ProgressRequest>(&cfg),
        declare::<VillageRequest>(&cfg),
        declare::<PlacesRequest>(&cfg),
        declare::<PlaceChoice>(&cfg),
        declare::<SearchRequest>(&cfg),
        declare::<SearchHit>(&cfg),
        declare::<SearchPage>(&cfg),
        declare::<HouseholdSummary>(&cfg),
        declare::<Today>(&cfg),
        declare::<CheckDue>(&cfg),
        declare::<SurveyInput>(&cfg),
        declare::<StepCheck>(&cfg),
        declare::<HouseholdInput>(&cfg),
        declare::<GpsInput>(&cfg),
        declare::<ChildInput>(&cfg),
        declare::<EditableSurvey>(&cfg),
        declare::<EditSurveyRequest>(&cfg),
        declare::<HouseholdPage>(&cfg),
        declare::<ChildRow>(&cfg),
        declare::<HouseholdsRequest>(&cfg),
        declare::<HouseholdRow>(&cfg),
        declare::<FollowUpListRequest>(&cfg),
        declare::<OscRow>(&cfg),
        declare::<FollowUpPage>(&cfg),
        declare::<VillageCount>(&cfg),
        declare::<ChildPage>(&cfg),
        declare::<VisitRow>(&cfg),
        declare::<VisitDetails>(&cfg),
        declare::<RetentionRow>(&cfg),
        declare::<FollowUpInput>(&cfg),
        declare::<Settings>(&cfg),
        declare::<SettingsInput>(&cfg),
        declare::<Draft>(&cfg),
        declare::<EnrolRequest>(&cfg),
        declare::<Enrolment>(&cfg),
        declare::<SyncRequest>(&cfg),
        declare::<SyncResult>(&cfg),
        declare::<SyncProgress>(&cfg),
        declare::<SyncStage>(&cfg),
        declare::<RecordCounts>(&cfg),
        declare::<HeldBackNotice>(&cfg),
        declare::<HubSwitch>(&cfg),
        declare::<PhoneCodeRequest>(&cfg),
        declare::<RevokeRequest>(&cfg),
        declare::<PhoneCode>(&cfg),
        declare::<HubDevice>(&cfg),
        declare::<RelayRound>(&cfg),
        declare::<HeldBackRecord>(&cfg),
        declare::<HubPage>(&cfg),
        declare::<ExportFileRequest>(&cfg),
        declare::<ExportedFile>(&cfg),
        declare::<DigestRequest>(&cfg),
        declare::<DigestPreview>(&cfg),
        declare::<Recipient>(&cfg),
        declare::<RecipientInput>(&cfg),
        declare::<DigestSendInput>(&cfg),
        declare::<DigestResponseInput>(&cfg),
        declare::<DigestLogRequest>(&cfg),
        declare::<DigestSent>(&cfg),
        declare::<EnrolledPlace>(&cfg),
        declare::<SetupState>(&cfg),
        declare::<SchoolsRequest>(&cfg),
        declare::<SchoolInput>(&cfg),
        declare::<NeedInput>(&cfg),
        declare::<SchoolRow>(&cfg),
        declare::<NeedRow>(&cfg),
        declare::<ConflictRow>(&cfg),
        declare::<ConflictChange>(&cfg),
        declare::<ConflictValue>(&cfg),
        declare::<HistoryRequest>(&cfg),
        declare::<ResolveRequest>(&cfg),
        declare::<DuplicateMatch>(&cfg),
        declare::<DuplicatePairRow>(&cfg),
        declare::<DuplicatesRequest>(&cfg),
        declare::<MergeRequest>(&cfg),
        declare::<Merged>(&cfg),
        declare::<DistinctRequest>(&cfg),
    ];
    format!(
        "// Generated by `cargo test -p daakhla-app` from crates/daakhla-app: do not edit.\n\
         // Run it with DAAKHLA_WRITE_BINDINGS=1 to write this file anew.\n\n\
         export type Lang = \"en\" | \"ur\";\n{}\n{}\n{}",
        crate::vocabulary::code_unions(),
        declarations.join("\n"),
        command_map(&cfg)
    )
}
