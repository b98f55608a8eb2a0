//! The app's footprint next to an empty Tauri app's, measured the same way in the same run:
//! the release binaries' sizes, the time from launch to the page loaded, and the memory of
//! the app with its WebKit processes (summed PSS, so pages shared between them count once).
//!
//! `make footprint` builds both and runs this under a virtual display:
//! `twostep-footprint TWOSTEP_BINARY EMPTY_TAURI_BINARY [RUNS]` (nine runs unless told).
//!
//! "Loaded" is when the window's title becomes the page's: Twostep names the first screen
//! ("Which center? · Twostep" for the installed, lean build; "Sign in · Twostep" on the demo of
//! a build with `embedded`), the empty app's page sets "Loaded" on its load event. Both apps pass
//! `document.title` to the window the same way, and the title is read from the X server.
//! Each app has folders of its own for its data, settings and caches (`XDG_*`), kept across
//! its launches as a person's are. The first launch of each is a warm-up, not counted; for
//! Twostep it also makes its data folder (and, in a build with the demo, seeds the demo
//! center), and is reported apart.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{Atom, ConnectionExt, Window};
use x11rb::rust_connection::RustConnection;

/// The longest a launch may take before the run gives up.
const LAUNCH_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a loaded app is left to settle before its memory is read.
const SETTLE: Duration = Duration::from_secs(3);

struct Titles {
    conn: RustConnection,
    root: Window,
    net_wm_name: Atom,
    utf8: Atom,
}

impl Titles {
    fn connect() -> Result<Self, String> {
        let (conn, screen) =
            x11rb::connect(None).map_err(|e| format!("no X display ({e}); run under xvfb-run"))?;
        let root = conn.setup().roots[screen].root;
        let atom = |name: &[u8]| -> Result<Atom, String> {
            Ok(conn
                .intern_atom(false, name)
                .map_err(|e| e.to_string())?
                .reply()
                .map_err(|e| e.to_string())?
                .atom)
        };
        let net_wm_name = atom(b"_NET_WM_NAME")?;
        let utf8 = atom(b"UTF8_STRING")?;
        Ok(Self {
            conn,
            root,
            net_wm_name,
            utf8,
        })
    }

    /// The titles of the top-level windows now.
    fn now(&self) -> Vec<String> {
        let Ok(tree) = self.conn.query_tree(self.root).map(|c| c.reply()) else {
            return vec![];
        };
        let Ok(tree) = tree else { return vec![] };
        tree.children
            .iter()
            .filter_map(|w| {
                let reply = self
                    .conn
                    .get_property(false, *w, self.net_wm_name, self.utf8, 0, 256)
                    .ok()?
                    .reply()
                    .ok()?;
                (!reply.value.is_empty()).then(|| String::from_utf8_lossy(&reply.value).into())
            })
            .collect()
    }
}

struct App {
    name: &'static str,
    binary: PathBuf,
    loaded: fn(&str) -> bool,
}

struct Launch {
    ms: f64,
    pss_kib: u64,
    processes: usize,
}

fn launch(app: &App, titles: &Titles, home: &Path) -> Result<Launch, String> {
    let mut cmd = Command::new(&app.binary);
    cmd.env("TWOSTEP_APP_DATA", home.join("app"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("NO_AT_BRIDGE", "1")
        .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
        .env("TWOSTEP_LANG", "en")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("{}: {e}", app.binary.display()))?;
    let result = loop {
        if titles.now().iter().any(|t| (app.loaded)(t)) {
            break Ok(start.elapsed());
        }
        if let Ok(Some(status)) = child.try_wait() {
            break Err(format!("{} exited before loading: {status}", app.name));
        }
        if start.elapsed() > LAUNCH_TIMEOUT {
            break Err(format!("{} did not load within a minute", app.name));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let loaded = match result {
        Ok(t) => t,
        Err(e) => {
            stop(&mut child);
            return Err(e);
        }
    };
    std::thread::sleep(SETTLE);
    let pids = processes_of(child.id());
    let pss_kib = pids.iter().filter_map(|p| pss_kib(*p)).sum();
    stop(&mut child);
    Ok(Launch {
        ms: loaded.as_secs_f64() * 1000.0,
        pss_kib,
        processes: pids.len(),
    })
}

/// Ends the app and every process it started (its process group), and waits for it.
fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", "--", &format!("-{}", child.id())])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.wait();
    // WebKit's helpers leave with their parent; give them a moment so runs don't overlap.
    std::thread::sleep(Duration::from_millis(500));
}

/// `pid`, every process below it (WebKit's web and network processes) and every other one in
/// its process group (a helper whose parent left).
fn processes_of(pid: u32) -> Vec<u32> {
    // (process, parent, process group)
    let table: Vec<(u32, u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let p: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            // The command name is in parentheses and may hold spaces: read after the last one.
            let mut after = stat[stat.rfind(')')? + 2..].split_whitespace().skip(1);
            let ppid = after.next()?.parse().ok()?;
            let pgrp = after.next()?.parse().ok()?;
            Some((p, ppid, pgrp))
        })
        .collect();
    let mut all = vec![pid];
    all.extend(
        table
            .iter()
            .filter(|(p, _, g)| *g == pid && *p != pid)
            .map(|(p, _, _)| *p),
    );
    let mut i = 0;
    while i < all.len() {
        let parent = all[i];
        for (p, _, _) in table.iter().filter(|(_, pp, _)| *pp == parent) {
            if !all.contains(p) {
                all.push(*p);
            }
        }
        i += 1;
    }
    all
}

fn pss_kib(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

fn mib(bytes: f64) -> f64 {
    bytes / 1024.0 / 1024.0
}

fn main() {
    if let Err(e) = run() {
        eprintln!("twostep-footprint: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(twostep), Some(empty)) = (args.first(), args.get(1)) else {
        return Err("usage: twostep-footprint TWOSTEP_BINARY EMPTY_TAURI_BINARY [RUNS]".into());
    };
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(9).max(1);
    let apps = [
        App {
            name: "Twostep",
            binary: twostep.into(),
            loaded: |t| t.ends_with("· Twostep"),
        },
        App {
            name: "empty Tauri app",
            binary: empty.into(),
            loaded: |t| t == "Loaded",
        },
    ];
    let titles = Titles::connect()?;
    let homes = [temp_home()?, temp_home()?];
    // The warm-ups. Twostep's first launch on a new folder also makes it (and seeds the demo
    // center, in a build with one).
    let first = launch(&apps[0], &titles, homes[0].path())?;
    launch(&apps[1], &titles, homes[1].path())?;
    let mut seen: [Vec<Launch>; 2] = [vec![], vec![]];
    // Alternating, so that whatever else the machine does falls on both alike.
    for _ in 0..runs {
        for (i, app) in apps.iter().enumerate() {
            seen[i].push(launch(app, &titles, homes[i].path())?);
        }
    }

    let size = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.len() as f64)
            .unwrap_or(f64::NAN)
    };
    let figures: Vec<(f64, f64, f64, usize)> = apps
        .iter()
        .zip(&seen)
        .map(|(app, launches)| {
            (
                size(&app.binary),
                median(launches.iter().map(|l| l.ms).collect()),
                median(launches.iter().map(|l| l.pss_kib as f64 * 1024.0).collect()),
                launches.last().map_or(0, |l| l.processes),
            )
        })
        .collect();
    println!("Footprint, release builds, median of {runs} launches each (alternating):");
    println!(
        "{:<18} {:>12} {:>16} {:>18} {:>10}",
        "", "binary", "launch→loaded", "memory (PSS)", "processes"
    );
    for (app, (bytes, ms, pss, procs)) in apps.iter().zip(&figures) {
        println!(
            "{:<18} {:>8.1} MiB {:>13.0} ms {:>14.1} MiB {:>10}",
            app.name,
            mib(*bytes),
            ms,
            mib(*pss),
            procs
        );
    }
    let (t, e) = (&figures[0], &figures[1]);
    println!(
        "{:<18} {:>10.2} x {:>14.2} x {:>16.2} x",
        "ratio",
        t.0 / e.0,
        t.1 / e.1,
        t.2 / e.2
    );
    println!(
        "Twostep's first launch on a new data folder: {:.0} ms, {:.1} MiB",
        first.ms,
        mib(first.pss_kib as f64 * 1024.0)
    );
    Ok(())
}

/// A fresh folder for an app's data, settings and caches (removed when dropped).
fn temp_home() -> Result<tempfile::TempDir, String> {
    tempfile::Builder::new()
        .prefix("twostep-footprint-")
        .tempdir()
        .map_err(|e| format!("a temporary folder: {e}"))
}
