//! Throwaway server data for tests, on either database, so one test suite runs on both.
//! PostgreSQL tests need `DATABASE_URL`; each scratch gets a schema of its own there, dropped
//! when it goes. Without `DATABASE_URL` they are skipped with a note, unless
//! `DAAKHLA_REQUIRE_POSTGRES` is set (as the README's test command does), when they fail.

use crate::Location;

pub struct Scratch {
    location: Location,
    _dir: Option<tempfile::TempDir>,
    schema: Option<(String, String)>,
}

impl Scratch {
    /// A fresh directory for SQLite files.
    pub fn sqlite() -> Scratch {
        let dir = tempfile::tempdir().expect("a temporary directory");
        Scratch {
            location: Location::Dir(dir.path().join("server")),
            _dir: Some(dir),
            schema: None,
        }
    }

    /// A fresh schema in the database `DATABASE_URL` names; none if it is not set.
    pub fn postgres() -> Option<Scratch> {
        let Ok(url) = std::env::var("DATABASE_URL") else {
            assert!(
                std::env::var_os("DAAKHLA_REQUIRE_POSTGRES").is_none(),
                "DAAKHLA_REQUIRE_POSTGRES is set but DATABASE_URL is not"
            );
            eprintln!("DATABASE_URL is not set: skipping the PostgreSQL half of this test");
            return None;
        };
        let schema = format!("scratch_{}", uuid::Uuid::new_v4().simple());
        let mut client = postgres::Client::connect(&url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at DATABASE_URL: {e}"));
        client
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("a scratch schema");
        let separator = if url.contains('?') { '&' } else { '?' };
        Some(Scratch {
            location: Location::Postgres(format!(
                "{url}{separator}options=-c%20search_path%3D{schema}"
            )),
            _dir: None,
            schema: Some((url, schema)),
        })
    }

    pub fn location(&self) -> Location {
        self.location.clone()
    }

    /// What `daakhla-server --data` takes for this scratch.
    pub fn data_arg(&self) -> String {
        match &self.location {
            Location::Dir(dir) => dir.display().to_string(),
            Location::Postgres(url) => url.clone(),
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some((url, schema)) = &self.schema
            && let Ok(mut client) = postgres::Client::connect(url, postgres::NoTls)
        {
            let _ = client.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}

/// Runs a test once per database: `on_both_databases!(name)` turns `fn name(scratch: Scratch)`
/// into the tests `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[test]
            fn sqlite() {
                super::$test($crate::scratch::Scratch::sqlite());
            }

            #[test]
            fn postgres() {
                if let Some(scratch) = $crate::scratch::Scratch::postgres() {
                    super::$test(scratch);
                }
            }
        }
    )*};
}
