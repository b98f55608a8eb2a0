//! Closing the window ends the app, every time (issue 26): it used to outlive a page that
//! closed itself, holding its data folder so that the next launch showed nothing
//! (src-tauri/quit.rs has the story). `App::quit` fails a journey whose app is still running
//! 10 s after its window closed; here the app is closed twenty times in a row on the same two
//! data folders, each launch finding the folder free, in each way it can end.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::harness::*;

/// A server that takes connections and never answers: every request to it stays pending.
async fn unanswering_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let taken = Arc::new(AtomicUsize::new(0));
    let count = taken.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(conn);
        }
    });
    (url, taken)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_window_ends_the_app_twenty_times_in_a_row() {
    let server = start_server().await;
    let (demo, chosen) = (AppData::new(), AppData::new());
    for round in 0..20 {
        match round % 4 {
            // The embedded demo server, stopped at exit.
            0 => App::launch(&demo, None).await.quit().await,
            // A chosen server.
            1 => App::launch(&chosen, Some(&server.url())).await.quit().await,
            // A secret just copied: the clipboard is checked and cleared at quit.
            2 => {
                let app = App::launch(&demo, None).await;
                app.d
                    .execute(
                        "return window.__TAURI_INTERNALS__.invoke('copy_setup_key', \
                         { key: 'JBSWY3DPEHPK3PXPJBSWY3DP' }).then(() => 'copied');",
                        vec![],
                    )
                    .await
                    .unwrap();
                assert_eq!(clipboard().await, "JBSWY3DPEHPK3PXPJBSWY3DP");
                app.quit().await;
            }
            // The page closing itself (what WebKitWebDriver's close does).
            _ => {
                App::launch(&chosen, Some(&server.url()))
                    .await
                    .quit_by(Closing::Page)
                    .await
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_window_ends_the_app_while_a_request_waits_on_its_server() {
    let (url, taken) = unanswering_server().await;
    let data = AppData::new();
    let app = App::launch_to_window(&data, &url).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while taken.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the app never called its server");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.quit().await;
}
