//! The app's shell: a window on the built UI, one Tauri command per `daakhla-app` command
//! (parse the request, call the app, map the error), and the store in the app's data folder,
//! encrypted with the device's key (`daakhla_keys::for_device`). No logic lives here.

use daakhla_app::{App, AppError};
use std::path::PathBuf;
use std::sync::Arc;
use tauri::Manager;

/// One async command per app command: the app's work is blocking (SQLite, and sync's HTTP),
/// so it runs off the UI thread.
macro_rules! tauri_commands {
    ($($name:ident: $request:ty => $response:ty),+ $(,)?) => {
        $(
            #[tauri::command]
            async fn $name(
                app: tauri::State<'_, Arc<App>>,
                request: $request,
            ) -> Result<$response, AppError> {
                let app = Arc::clone(&app);
                tauri::async_runtime::spawn_blocking(move || app.$name(request))
                    .await
                    .map_err(AppError::bad_request)?
            }
        )+

        fn invoke_handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),+]
        }
    };
}
daakhla_app::for_each_command!(tauri_commands);

/// The store file: `DAAKHLA_STORE` when set (tests give each run its own), else
/// `daakhla.sqlite` in the app's data folder.
fn store_path(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    if let Some(path) = std::env::var_os("DAAKHLA_STORE") {
        return Ok(PathBuf::from(path));
    }
    let dir = app.path().app_data_dir()?;
    std::fs::create_dir_all(&dir)?;
    Ok(dir.join("daakhla.sqlite"))
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    tauri::Builder::default()
        .setup(|app| {
            let daakhla = App::open_or_create(&store_path(app)?, &*daakhla_keys::for_device())?;
            app.manage(Arc::new(daakhla));
            Ok(())
        })
        .invoke_handler(invoke_handler())
        .run(tauri::generate_context!())
        .expect("the app runs");
}
