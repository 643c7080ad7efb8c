//! Reports, the same on a device store and on the server (SQLite and PostgreSQL): a
//! hand-counted union council synced over real HTTP, where every figure is checked by hand,
//! and the reference campaign, whose totals must be exactly the seeds' figures.

use chrono::{Months, NaiveDate, Utc};
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::input::decode_value;
use daakhla_domain::school::{InfrastructureNeed, School};
use daakhla_domain::validation::Context;
use daakhla_reports::{BySex, Report, ReportRequest, Shares, Visible};
use daakhla_server::scratch::Scratch;
use daakhla_server::{Role, Server, on_both_databases};
use daakhla_store::Store;
use daakhla_testkit::follow_ups::{enrolled, visit};
use daakhla_testkit::json::texts;
use daakhla_testkit::places::two_union_councils;
use daakhla_testkit::schools::school;
use daakhla_testkit::stores::device_store;
use daakhla_testkit::surveys::{household, in_school, osc_for};
use serde_json::{Value, json};
use std::sync::Arc;

fn ctx() -> Context {
    Context {
        today: Utc::now().date_naive(),
    }
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn n(girls: u64, boys: u64, transgender: u64) -> BySex {
    BySex {
        girls,
        boys,
        transgender,
    }
}

fn shares(girls: Option<f64>, boys: Option<f64>, all: Option<f64>) -> Shares {
    Shares { girls, boys, all }
}

fn survey(uc: &str, village: &str, number: &str, on: &str, children: Value) -> HouseholdSurvey {
    household(uc, village, number)
        .head("Muhammad Aslam")
        .members(7)
        .surveyed_on(on)
        .children(children)
        .build()
}

fn retention(dropped_out: bool) -> Value {
    json!({"kind": "retention_check", "milestone": "1_month", "attending_regularly": !dropped_out,
           "dropped_out": dropped_out})
}

fn need(
    school: &School,
    category: &str,
    identified: &str,
    resolved: Option<&str>,
) -> InfrastructureNeed {
    let mut fields = json!({"identified_on": identified});
    if let Some(resolved) = resolved {
        fields["raised_on"] = json!(identified);
        fields["promised_on"] = json!(identified);
        fields["resolved_on"] = json!(resolved);
    }
    daakhla_testkit::schools::need(school, category, fields)
}

/// Ayesha's store holding the hand-counted union council (and one household next door).
///
/// UC1, V1, household 1 (1 Sep): Sana (girl, 9, never enrolled: cost, household chores),
/// Bilal (boy, 12, dropped out: migration, cost), Hina (girl, 7, in school), Imran (boy, 8,
/// in school). V2, household 1 (1 Sep): Asma (girl, 13: no girls' school, cost, too far),
/// Zara (transgender, 10: too far), Omar (boy, 16, in school), Rukhsana (girl, born
/// 1 Sep 2016: household chores); household 2 gave no consent. UC2, W1 (8 Sep): Ali (boy, 9:
/// cost). Sana and Bilal enrolled 12 Sep; at one month Sana attends, Bilal has dropped out;
/// Asma's admission is pending; Ali enrolled 12 Sep. Household 7 (V2, with Nadia, girl, 6,
/// in school) is household 1 of V1 surveyed again, and merged into it; household 9 (V1) was
/// entered by mistake and deleted. Schools: S1 (V1) boundary wall resolved 1 Oct, latrines
/// open; S2 (V2) drinking water resolved 20 Oct; S3 (W1) electricity open.
fn hand_counted_store(dir: &std::path::Path) -> Store {
    let mut store = device_store(dir, "Ayesha");
    let a = survey(
        "UC1",
        "V1",
        "1",
        "2026-09-01",
        json!([
            osc_for(
                "Sana",
                "girl",
                9,
                "never_enrolled",
                json!(["cost", "household_chores"])
            ),
            osc_for(
                "Bilal",
                "boy",
                12,
                "dropped_out",
                json!(["migration", "cost"])
            ),
            in_school("Hina", "girl", 7, 3),
            in_school("Imran", "boy", 8, 3)
        ]),
    );
    let b = survey(
        "UC1",
        "V2",
        "1",
        "2026-09-01",
        json!([
            osc_for("Asma", "girl", 13, "never_enrolled", json!(["no_girls_school", "cost", "school_too_far"])),
            osc_for("Zara", "transgender", 10, "never_enrolled", json!(["school_too_far"])),
            in_school("Omar", "boy", 16, 3),
            {"name": "Rukhsana", "sex": "girl", "date_of_birth": "2016-09-01",
             "schooling": {"status": "never_enrolled"}, "reasons_out_of_school": ["household_chores"]}
        ]),
    );
    let no_consent: HouseholdSurvey = decode_value(json!({
        "household": {"uc_code": "UC1", "village_code": "V2", "household_number": "2", "consent": false,
                      "surveyed_by": "Ayesha", "surveyed_on": "2026-09-01"}}))
    .unwrap();
    let c = survey(
        "UC2",
        "W1",
        "1",
        "2026-09-08",
        json!([osc_for("Ali", "boy", 9, "never_enrolled", json!(["cost"]))]),
    );
    store
        .add_surveys(
            &[a.clone(), b.clone(), no_consent, c.clone()],
            &ctx(),
            &mut |_| {},
        )
        .unwrap();
    // Surveyed twice (the second time in V2, with a girl the first missed): merged into A,
    // so Nadia is counted in A's village. And a household entered by mistake, deleted.
    let twice = survey(
        "UC1",
        "V2",
        "7",
        "2026-09-02",
        json!([in_school("Nadia", "girl", 6, 3)]),
    );
    let mistake = survey(
        "UC1",
        "V1",
        "9",
        "2026-09-02",
        json!([osc_for(
            "Ghost",
            "boy",
            10,
            "never_enrolled",
            json!(["cost"])
        )]),
    );
    store
        .add_surveys(&[twice.clone(), mistake.clone()], &ctx(), &mut |_| {})
        .unwrap();
    store
        .merge_households(twice.household.id, a.household.id)
        .unwrap();
    store.delete_household(mistake.household.id).unwrap();
    store
        .add_follow_ups(
            &[
                visit(&a.children[0], "2026-09-12", enrolled()),
                visit(&a.children[1], "2026-09-12", enrolled()),
                visit(
                    &b.children[0],
                    "2026-09-05",
                    json!({"kind": "admission_pending", "why": "B-form"}),
                ),
                visit(&c.children[0], "2026-09-12", enrolled()),
                visit(&a.children[0], "2026-10-14", retention(false)),
                visit(&a.children[1], "2026-10-15", retention(true)),
            ],
            &ctx(),
            &mut |_| {},
        )
        .unwrap();
    let (s1, s2, s3) = (
        school("UC1", Some("V1"), "GGPS Goth Ali"),
        school("UC1", Some("V2"), "GBPS Goth Sher"),
        school("UC2", Some("W1"), "GPS Basti"),
    );
    store
        .save_schools(&[s1.clone(), s2.clone(), s3.clone()], &ctx(), &mut |_| {})
        .unwrap();
    store
        .save_needs(
            &[
                need(&s1, "boundary_wall", "2026-09-02", Some("2026-10-01")),
                need(&s1, "latrines", "2026-09-02", None),
                need(&s2, "drinking_water", "2026-09-03", Some("2026-10-20")),
                need(&s3, "electricity", "2026-09-04", None),
            ],
            &ctx(),
            &mut |_| {},
        )
        .unwrap();
    store
}

fn request(area: Option<&str>, from: Option<&str>, to: Option<&str>) -> ReportRequest {
    ReportRequest {
        area: area.map(str::to_string),
        from: from.map(day),
        to: to.map(day),
    }
}

/// The report as a device computes it from its own store.
fn on_device(store: &Store, request: &ReportRequest) -> Report {
    daakhla_testkit::reports::on_device(store, request, ctx().today)
}

/// A server on `scratch` answering over loopback, with the hand-counted records synced to it
/// from Ayesha's store, and a token for each reader.
struct Synced {
    _dir: tempfile::TempDir,
    store: Store,
    server: Arc<Server>,
    running: daakhla_server::Running,
    scratch: Scratch,
}

impl Synced {
    fn new(scratch: Scratch) -> Synced {
        let dir = tempfile::tempdir().unwrap();
        let mut store = hand_counted_store(dir.path());
        let server = Arc::new(Server::open(scratch.location()).unwrap());
        server.import_geography(&two_union_councils()).unwrap();
        let running = daakhla_server::spawn(server.clone(), "127.0.0.1:0").unwrap();
        let (_, token) = server
            .add_device(
                "Ayesha",
                Role::ResourcePerson,
                &["UC1".into(), "UC2".into()],
            )
            .unwrap();
        let remote = daakhla_sync::Remote::new(&running.url(), &token);
        daakhla_sync::sync(&mut store, &remote, &mut |_| {}).unwrap();
        // A push is answered once it is logged: the figures compared are of all it sent.
        server.materialise().unwrap();
        Synced {
            _dir: dir,
            store,
            server,
            running,
            scratch,
        }
    }

    fn token(&self, user: &str, role: Role, scopes: &[&str]) -> String {
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        self.server.add_device(user, role, &scopes).unwrap().1
    }

    /// GET `path` with `token` over HTTP: the status and the JSON answer.
    fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let response = daakhla_sync::tls::http_client()
            .get(format!("{}{path}", self.running.url()))
            .bearer_auth(token)
            .send()
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            serde_json::from_str(&response.text().unwrap()).unwrap(),
        )
    }

    fn report(&self, token: &str, query: &str) -> Report {
        let (status, body) = self.get(token, &format!("/v1/report{query}"));
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(body).unwrap()
    }
}

fn hand_counted_figures_are_the_same_on_the_device_and_the_server(scratch: Scratch) {
    let world = Synced::new(scratch);
    let admin = world.token("Admin", Role::Admin, &["*"]);
    let today = ctx().today;

    let report = world.report(&admin, "?area=UC1");
    assert_eq!(
        report,
        on_device(&world.store, &request(Some("UC1"), None, None))
    );
    assert_eq!(report.area.as_ref().unwrap().name_en, "UC one");
    let trail: Vec<&str> = report.trail.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(trail, ["SD", "SD-THT", "SD-THT-T9"]);
    assert_eq!(
        (report.households, report.households_without_consent),
        (3, 1)
    );
    // Sana, Hina, Nadia, Asma, Rukhsana; Bilal, Imran, Omar; Zara. Not Ghost (deleted).
    assert_eq!(report.children, n(5, 3, 1));
    assert_eq!(report.in_school_at_survey, n(2, 2, 0));
    assert_eq!(report.out_of_school, n(3, 1, 1));
    // 5–9: Sana. 10–12: Rukhsana (10 by her birth date), Bilal, Zara. 13–16: Asma.
    let bands: Vec<BySex> = report
        .out_of_school_by_age
        .iter()
        .map(|b| b.children)
        .collect();
    assert_eq!(bands, [n(1, 0, 0), n(1, 1, 1), n(1, 0, 0)]);
    assert_eq!(report.enrolled, n(1, 1, 0));
    assert_eq!(
        report.enrolment_rate,
        shares(Some(33.3), Some(100.0), Some(40.0))
    );
    // Two enrolled over a baseline of four in school: Hina and Nadia; Imran and Omar.
    assert_eq!(
        report.increase_over_baseline,
        shares(Some(50.0), Some(50.0), Some(50.0))
    );
    // Asma (pending), Rukhsana and Zara (not visited), Bilal (dropped out again).
    assert_eq!(report.still_to_follow_up, n(2, 1, 1));
    assert_eq!(report.dropped_out_again, n(0, 1, 0));

    let month = &report.retention[0];
    assert_eq!(month.months, 1);
    assert_eq!(month.due, n(1, 1, 0));
    assert_eq!(month.checked, n(1, 1, 0));
    assert_eq!(month.retained, n(1, 0, 0));
    assert_eq!(month.rate, shares(Some(100.0), Some(0.0), Some(50.0)));
    let three = &report.retention[1];
    let due_by_now = day("2026-09-12") + Months::new(3) <= today;
    assert_eq!(three.due, if due_by_now { n(1, 1, 0) } else { n(0, 0, 0) });
    assert_eq!(
        (three.checked, three.rate),
        (n(0, 0, 0), shares(None, None, None))
    );

    let ranked: Vec<(&str, BySex)> = report
        .reasons
        .iter()
        .map(|r| (r.reason.code.as_str(), r.children))
        .collect();
    assert_eq!(
        ranked,
        [
            ("cost", n(2, 1, 0)),
            ("household_chores", n(2, 0, 0)),
            ("school_too_far", n(1, 0, 1)),
            ("no_girls_school", n(1, 0, 0)),
            ("migration", n(0, 1, 0)),
        ],
        "most common first; ties in the order of the closed list"
    );
    assert_eq!(report.reasons[0].reason.ur, "اخراجات / غربت");

    let needs: Vec<(&str, u64, u64)> = report
        .needs
        .iter()
        .map(|n| (n.category.code.as_str(), n.open, n.resolved))
        .collect();
    assert_eq!(
        needs,
        [
            ("boundary_wall", 0, 1),
            ("latrines", 1, 0),
            ("drinking_water", 0, 1)
        ]
    );
    assert_eq!((report.schools, report.schools_improved), (2, 2));

    let weeks: Vec<(NaiveDate, BySex, BySex, u64)> = report
        .weekly
        .iter()
        .map(|w| (w.starts_on, w.found, w.enrolled, w.needs_resolved))
        .collect();
    assert_eq!(
        weeks,
        [
            (day("2026-08-31"), n(3, 1, 1), n(0, 0, 0), 0),
            (day("2026-09-07"), n(0, 0, 0), n(1, 1, 0), 0),
            (day("2026-09-28"), n(0, 0, 0), n(0, 0, 0), 1),
            (day("2026-10-19"), n(0, 0, 0), n(0, 0, 0), 1),
        ]
    );

    let parts: Vec<(&str, u64, BySex, BySex, Shares, u64, u64)> = report
        .parts
        .iter()
        .map(|p| {
            (
                p.place.code.as_str(),
                p.households,
                p.out_of_school,
                p.enrolled,
                p.enrolment_rate,
                p.needs_open,
                p.schools_improved,
            )
        })
        .collect();
    assert_eq!(
        parts,
        [
            (
                "V2",
                2,
                n(2, 0, 1),
                n(0, 0, 0),
                shares(Some(0.0), None, Some(0.0)),
                0,
                1
            ),
            (
                "V1",
                1,
                n(1, 1, 0),
                n(1, 1, 0),
                shares(Some(100.0), Some(100.0), Some(100.0)),
                1,
                1
            ),
        ],
        "villages, most out-of-school children first"
    );

    // A date range: nobody surveyed then, two enrolled; a need resolved in it, one after.
    let ranged = world.report(&admin, "?area=UC1&from=2026-09-10&to=2026-10-05");
    assert_eq!(
        ranged,
        on_device(
            &world.store,
            &request(Some("UC1"), Some("2026-09-10"), Some("2026-10-05"))
        )
    );
    assert_eq!((ranged.households, ranged.out_of_school), (0, n(0, 0, 0)));
    assert_eq!(ranged.enrolled, n(1, 1, 0));
    let needs: Vec<(&str, u64, u64)> = ranged
        .needs
        .iter()
        .map(|n| (n.category.code.as_str(), n.open, n.resolved))
        .collect();
    assert_eq!(
        needs,
        [
            ("boundary_wall", 0, 1),
            ("latrines", 1, 0),
            ("drinking_water", 1, 0)
        ]
    );
    assert_eq!(ranged.schools_improved, 1);

    // The same records written as rows only (how the reference campaign is loaded) report
    // the same as the records synced.
    let again = match world.scratch.location() {
        daakhla_server::Location::Dir(_) => Scratch::sqlite(),
        daakhla_server::Location::Postgres(_) => Scratch::postgres().unwrap(),
    };
    let rows_only = Server::open(again.location()).unwrap();
    rows_only.import_geography(&two_union_councils()).unwrap();
    let mut surveys = Vec::new();
    world
        .store
        .for_each_survey(|s| {
            surveys.push(s);
            Ok(())
        })
        .unwrap();
    rows_only
        .load_rows_only(&daakhla_server::RowsOnly {
            surveys: &surveys,
            follow_ups: &world.store.all_follow_ups().unwrap(),
            schools: &world.store.schools(None).unwrap(),
            needs: &world.store.needs(None).unwrap(),
        })
        .unwrap();
    let (admin_device, _) = rows_only
        .add_device("Admin", Role::Admin, &["*".into()])
        .unwrap();
    for area in ["UC1", "SD-THT"] {
        assert_eq!(
            rows_only
                .report(&admin_device, &request(Some(area), None, None))
                .unwrap(),
            world.report(&admin, &format!("?area={area}")),
            "{area}"
        );
    }

    // The district: both union councils, Ali enrolled in UC2.
    let district = world.report(&admin, "?area=SD-THT");
    assert_eq!(
        district,
        on_device(&world.store, &request(Some("SD-THT"), None, None))
    );
    assert_eq!(district.out_of_school, n(3, 2, 1));
    assert_eq!(district.enrolled, n(1, 2, 0));
    let uc2 = district
        .parts
        .iter()
        .find(|p| p.place.code == "UC2")
        .unwrap();
    assert_eq!(
        (uc2.out_of_school, uc2.enrolled, uc2.needs_open),
        (n(0, 1, 0), n(0, 1, 0), 1)
    );
}

fn readers_see_only_their_places_and_the_drill_down_reaches_a_child(scratch: Scratch) {
    let world = Synced::new(scratch);
    let supervisor = world.token("Supervisor", Role::Supervisor, &["SD-THT"]);
    let coordinator = world.token("Coordinator", Role::Coordinator, &["UC2"]);

    // A coordinator of UC2 is refused UC1, and everywhere means UC2 alone.
    let (status, body) = world.get(&coordinator, "/v1/report?area=UC1");
    assert_eq!(status, 403, "{body}");
    assert!(body["error"].as_str().unwrap().contains("UC1"), "{body}");
    assert!(!body["error_ur"].as_str().unwrap().is_empty());
    let own = world.report(&coordinator, "");
    assert_eq!(own.out_of_school, n(0, 1, 0));
    let parts: Vec<&str> = own.parts.iter().map(|p| p.place.code.as_str()).collect();
    assert_eq!(parts, ["UC2"]);
    // A supervisor of the district sees it whole, and not another district.
    assert_eq!(world.report(&supervisor, "").out_of_school, n(3, 2, 1));
    let (status, _) = world.get(&supervisor, "/v1/report?area=PB-BWP");
    assert_eq!(status, 403);
    // Bad requests name what is wrong and change nothing.
    let (status, body) = world.get(&supervisor, "/v1/report?area=NOWHERE");
    assert_eq!(status, 404);
    assert!(
        body["error"].as_str().unwrap().contains("NOWHERE"),
        "{body}"
    );
    let (status, body) = world.get(&supervisor, "/v1/report?from=2026-10-01&to=2026-09-01");
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("2026-10-01"),
        "{body}"
    );
    let (status, body) = world.get(&supervisor, "/v1/report?from=yesterday");
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("from"), "{body}");

    // Village → its out-of-school children → one child's story.
    let (status, children) = world.get(&supervisor, "/v1/report/children?village=V2");
    assert_eq!(status, 200, "{children}");
    assert_eq!(texts(&children, "/name"), ["Asma", "Rukhsana", "Zara"]);
    assert_eq!(children[0]["stage"]["code"], "following_up");
    let (_, v1) = world.get(&supervisor, "/v1/report/children?village=V1");
    let bilal = v1
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Bilal")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, story) = world.get(&supervisor, &format!("/v1/report/child?id={bilal}"));
    assert_eq!(status, 200, "{story}");
    let story: daakhla_reports::ChildStory = serde_json::from_value(story).unwrap();
    assert_eq!(story.child.stage.code, "dropped_out_again");
    assert_eq!(story.child.enrolled_on, Some(day("2026-09-12")));
    assert_eq!(story.village.name_en, "Goth Ali");
    let reasons: Vec<&str> = story.reasons.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(reasons, ["migration", "cost"]);
    let visits: Vec<(&str, Option<bool>)> = story
        .visits
        .iter()
        .map(|v| (v.outcome.code.as_str(), v.attending))
        .collect();
    assert_eq!(
        visits,
        [("enrolled", None), ("retention_check", Some(false))]
    );
    assert_eq!(
        story,
        daakhla_reports::child_story(
            &mut daakhla_reports::SqliteSource(world.store.connection()),
            &bilal,
            &Visible::All
        )
        .unwrap(),
        "the device tells the same story"
    );
    // Outside the reader's places a child is not found, and its existence not shown.
    let (status, _) = world.get(&coordinator, &format!("/v1/report/child?id={bilal}"));
    assert_eq!(status, 404);
    let (status, _) = world.get(&coordinator, "/v1/report/children?village=V2");
    assert_eq!(status, 403);
}

/// The reference campaign loaded into a server whole: the report everywhere gives the seeds'
/// figures exactly, and each district's figures add up to them.
fn the_reference_campaign_gives_the_seeds_figures_exactly(scratch: Scratch) {
    let server = Server::open(scratch.location()).unwrap();
    let loaded =
        daakhla_server::reference::load_reference_campaign(&server, None, &mut |_, _| {}).unwrap();
    assert_eq!(loaded, daakhla_demo::SEEDS_CAMPAIGN);
    let (admin, _) = server
        .add_device("Admin", Role::Admin, &["*".into()])
        .unwrap();
    let everywhere = server.report(&admin, &ReportRequest::default()).unwrap();
    assert_eq!(everywhere.out_of_school, n(192_551, 168_994, 0));
    assert_eq!(
        everywhere.out_of_school.girls + everywhere.out_of_school.boys,
        361_545
    );
    assert_eq!(everywhere.enrolled, n(49_626, 79_163, 0));
    assert_eq!(
        everywhere.enrolled.girls + everywhere.enrolled.boys,
        128_789
    );
    assert_eq!(everywhere.schools_improved, 949);
    // A 36 % increase over the baseline enrolment, as the seeds counted it.
    assert_eq!(
        everywhere.in_school_at_survey.girls
            + everywhere.in_school_at_survey.boys
            + everywhere.in_school_at_survey.transgender,
        357_747
    );
    assert_eq!(everywhere.increase_over_baseline.all, Some(36.0));
    let bands = everywhere
        .out_of_school_by_age
        .iter()
        .fold(BySex::default(), |sum, b| {
            n(sum.girls + b.children.girls, sum.boys + b.children.boys, 0)
        });
    assert_eq!(
        bands, everywhere.out_of_school,
        "every child falls in one age band"
    );

    // Provinces → districts: the parts add up to the whole.
    let mut districts = 0;
    let (mut osc, mut enrolled, mut improved) = (BySex::default(), BySex::default(), 0);
    for province in &everywhere.parts {
        let report = server
            .report(&admin, &request(Some(&province.place.code), None, None))
            .unwrap();
        for district in report.parts.iter().filter(|d| d.households > 0) {
            districts += 1;
            osc.girls += district.out_of_school.girls;
            osc.boys += district.out_of_school.boys;
            enrolled.girls += district.enrolled.girls;
            enrolled.boys += district.enrolled.boys;
            improved += district.schools_improved;
        }
    }
    assert_eq!(districts, 14);
    assert_eq!(
        (osc, enrolled, improved),
        (everywhere.out_of_school, everywhere.enrolled, 949)
    );
}

on_both_databases!(
    hand_counted_figures_are_the_same_on_the_device_and_the_server,
    readers_see_only_their_places_and_the_drill_down_reaches_a_child,
    the_reference_campaign_gives_the_seeds_figures_exactly,
);
