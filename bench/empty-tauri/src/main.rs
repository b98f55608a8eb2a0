//! An empty Tauri app: one window, one page. Like Twostep, it passes the page's title to the
//! window, which is how `twostep-footprint` sees the page loaded.

fn main() {
    tauri::Builder::default()
        .setup(|app| {
            let config = app
                .config()
                .app
                .windows
                .first()
                .cloned()
                .unwrap_or_default();
            tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?
                .on_document_title_changed(|window, title| {
                    let _ = window.set_title(&title);
                })
                .build()?;
            Ok(())
        })
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("empty-tauri: {e}");
            std::process::exit(1);
        });
}
