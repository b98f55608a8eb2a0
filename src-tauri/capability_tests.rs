//! The webview is granted what the UI uses and nothing more: every permission in
//! `capabilities/*.json` is one the code in `ui/js` needs (a command it calls, or a plugin's
//! JavaScript it uses), and every command the UI calls is granted (else it fails at run time
//! with "not allowed"). Notifications, for one, are sent from Rust: the webview gets no
//! notification permission.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The JavaScript of the UI, all files together.
fn ui_js() -> String {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("ui/js"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "js"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The commands the UI invokes: `call('name'` (the one door, ui/js/api.js) or a direct
/// `invoke('name'`.
fn commands_called(js: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for door in ["call('", "invoke('", "call(\"", "invoke(\""] {
        let quote = door.chars().last().unwrap();
        for (i, _) in js.match_indices(door) {
            let rest = &js[i + door.len()..];
            let name: String = rest.chars().take_while(|c| *c != quote).collect();
            if name.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// What a plugin permission is for: the JavaScript that needs it.
fn plugin_use(permission: &str) -> Option<&'static str> {
    match permission {
        // `listen` (ui/js/api.js) for the events the Rust side emits (a link handed to the
        // app, the demo inbox); it returns the function that stops listening (`unlisten`).
        "core:event:allow-listen" | "core:event:allow-unlisten" => Some("event.listen("),
        // Scanning a QR code with the camera (mobile builds only, ui/js/vault_add.js).
        "barcode-scanner:default" => Some("barcodeScanner"),
        _ => None,
    }
}

fn permissions(file: &Path) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    v["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p.as_str()
                .or_else(|| p["identifier"].as_str())
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// What is wrong with the capability files, given the UI's JavaScript.
fn problems(capabilities: &[(String, Vec<String>)], js: &str) -> Vec<String> {
    let called = commands_called(js);
    let mut granted = BTreeSet::new();
    let mut out = Vec::new();
    for (file, perms) in capabilities {
        for p in perms {
            if let Some(command) = p.strip_prefix("allow-") {
                let command = command.replace('-', "_");
                if !called.contains(&command) {
                    out.push(format!(
                        "{file}: {p} grants `{command}`, which ui/js never calls"
                    ));
                }
                granted.insert(command);
            } else {
                match plugin_use(p) {
                    Some(needle) if js.contains(needle) => {}
                    Some(needle) => out.push(format!(
                        "{file}: {p} is granted but ui/js does not use it ({needle})"
                    )),
                    None => out.push(format!(
                        "{file}: {p} is granted but nothing in ui/js needs it"
                    )),
                }
            }
        }
    }
    for c in called.difference(&granted) {
        out.push(format!(
            "ui/js calls `{c}`, which no capability grants (allow-{})",
            c.replace('_', "-")
        ));
    }
    out
}

fn capability_files() -> Vec<(String, Vec<String>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("capabilities"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            (
                f.file_name().unwrap().to_string_lossy().into_owned(),
                permissions(f),
            )
        })
        .collect()
}

#[test]
fn the_capabilities_grant_exactly_what_the_ui_uses() {
    let caps = capability_files();
    assert!(caps.iter().any(|(f, _)| f == "default.json"));
    let js = ui_js();
    assert!(
        commands_called(&js).len() > 30,
        "the UI's commands were not found"
    );
    let found = problems(&caps, &js);
    assert!(found.is_empty(), "{found:#?}");
    // The webview sends no notification itself: no notification permission at all.
    for (file, perms) in &caps {
        assert!(
            !perms.iter().any(|p| p.starts_with("notification:")),
            "{file}: {perms:?}"
        );
        assert!(
            !perms.iter().any(|p| p == "core:event:default"),
            "{file}: emitting events is not the webview's to do"
        );
    }
}

#[test]
fn an_unused_grant_or_an_ungranted_call_is_caught() {
    let js = "import { call } from './api.js'; call('app_status'); event.listen('x');";
    let ok = vec![(
        "default.json".to_owned(),
        vec![
            "allow-app-status".to_owned(),
            "core:event:allow-listen".to_owned(),
        ],
    )];
    assert!(problems(&ok, js).is_empty(), "{:?}", problems(&ok, js));
    let too_much = vec![(
        "default.json".to_owned(),
        vec![
            "allow-app-status".to_owned(),
            "allow-sign-out".to_owned(),
            "notification:default".to_owned(),
            "core:event:allow-listen".to_owned(),
        ],
    )];
    let found = problems(&too_much, js);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("sign_out") && found[1].contains("notification:default"));
    let too_little = vec![(
        "default.json".to_owned(),
        vec!["core:event:allow-listen".to_owned()],
    )];
    let found = problems(&too_little, js);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("app_status"), "{found:?}");
}

/// The quoted names between `start` and the next `]` of `text`.
fn quoted_between(text: &str, start: &str) -> BTreeSet<String> {
    let from = text.find(start).unwrap() + start.len();
    let list = &text[from..from + text[from..].find(']').unwrap()];
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The commands' one list: what `build.rs` declares (and so what Tauri makes permissions
/// for), what `commands::handler()` registers, and what the main window's capability grants
/// are the same names; the test above ties the grants to the UI's calls.
#[test]
fn the_command_list_is_one_list() {
    let build = std::fs::read_to_string(root().join("src-tauri/build.rs")).unwrap();
    let declared = quoted_between(&build, "fn twostep_commands() -> &'static [&'static str] {");
    let handler = std::fs::read_to_string(root().join("src-tauri/commands/mod.rs")).unwrap();
    let from = handler.find("tauri::generate_handler![").unwrap();
    let registered: BTreeSet<String> = handler[from..from + handler[from..].find(']').unwrap()]
        .lines()
        .skip(1)
        .filter_map(|l| l.trim().trim_end_matches(',').rsplit("::").next())
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    let granted: BTreeSet<String> = permissions(&root().join("capabilities/default.json"))
        .iter()
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|c| c.replace('-', "_"))
        .collect();
    assert!(declared.len() > 20, "{declared:?}");
    assert_eq!(declared, registered, "build.rs and commands::handler()");
    assert_eq!(declared, granted, "build.rs and capabilities/default.json");
}

/// Every module of the UI parses as an ES module (a name declared twice, a stray brace): one
/// that doesn't stops every screen in both shells. Node's own parser, the file copied as
/// `.mjs` so that it is read as a module.
#[test]
fn every_ui_module_parses() {
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("ui/js")).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "js") {
            continue;
        }
        let copy = dir
            .path()
            .join(path.file_stem().unwrap())
            .with_extension("mjs");
        std::fs::copy(&path, &copy).unwrap();
        let out = std::process::Command::new("node")
            .arg("--check")
            .arg(&copy)
            .output()
            .expect("node (make test installs it)");
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        checked += 1;
    }
    assert!(checked > 20, "the UI's modules were found");
}

/// Runs `ui/js/csv.js`'s `csvText` in node on each case (header, rows): the file's text, or
/// `Err` with the writer's refusal.
fn csv_by_the_ui(cases: &serde_json::Value) -> Vec<Result<String, String>> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root().join("ui/js/csv.js"), dir.path().join("csv.mjs")).unwrap();
    let script = dir.path().join("run.mjs");
    std::fs::write(
        &script,
        "import { csvText } from './csv.mjs';\n\
         import { readFileSync } from 'node:fs';\n\
         const cases = JSON.parse(readFileSync(0, 'utf8'));\n\
         const out = cases.map(([h, r]) => { try { return { ok: csvText(h, r) }; } \
         catch (e) { return { err: String(e.message) }; } });\n\
         process.stdout.write(JSON.stringify(out));\n",
    )
    .unwrap();
    let mut child = std::process::Command::new("node")
        .arg(&script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node (make test installs it)");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), cases.to_string().as_bytes()).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    answers
        .into_iter()
        .map(|a| match a.get("ok") {
            Some(ok) => Ok(ok.as_str().unwrap().to_owned()),
            None => Err(a["err"].as_str().unwrap().to_owned()),
        })
        .collect()
}

fn cell_rows(cells: &[&'static str]) -> Vec<Vec<&'static str>> {
    cells.iter().map(|c| vec![*c]).collect()
}

fn read_back(text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    r.records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The audit trail's CSV (one writer, the screens', for both shells): quotes, commas, quotes
/// and line breaks read back as written by the `csv` crate; a cell a spreadsheet would run as
/// a formula, also behind blanks, control characters or in full width, opens as text; a
/// ragged or empty trail is refused.
#[test]
fn the_audit_csv_quotes_and_neutralises_formulas() {
    let rows = serde_json::json!([
        [
            "2026-11-27 08:00",
            "Signed in with a code",
            "Email · j•••@x.org"
        ],
        ["2026-11-27 08:01", "Added", "O'Neil, \"Sam\"\nsecond line"],
    ]);
    let formulas = [
        "\n=1+1",
        "\r\n=HYPERLINK(\"http://evil\")",
        " =1",
        "\u{a0}+1",
        "\u{7}@SUM(A1)",
        "\u{0}-2",
        "\t\t=1",
        "\u{FF1D}1+1",
        "\u{FF0B}1",
        "\u{FF0D}1",
        "\u{FF20}SUM(A1)",
        " \n\u{FF1D}1",
        "\t",
        "\rAna",
        "=HYPERLINK(\"http://evil\")",
        "+1",
        "-2",
        "@SUM(A1)",
    ];
    let plain = ["Ana", " Ana", "\nAna", "O'Neil", "1+1", "a=b", "", "   "];
    let cases = serde_json::json!([
        [["When", "What", "Details"], rows],
        [["Name"], cell_rows(&formulas)],
        [["Name"], cell_rows(&plain)],
        [[], []],
        [["a", "b"], [["only one"]]],
    ]);
    let out = csv_by_the_ui(&cases);

    let text = out[0].as_ref().unwrap();
    let back = read_back(text);
    assert_eq!(back[0], ["When", "What", "Details"]);
    assert_eq!(serde_json::json!(back[1..]), rows);

    let back = read_back(out[1].as_ref().unwrap());
    for (cell, row) in formulas.iter().zip(&back[1..]) {
        assert_eq!(row, &[format!("'{cell}")], "{cell:?}");
    }
    let back = read_back(out[2].as_ref().unwrap());
    assert_eq!(back.len(), plain.len() + 1, "every row, the empty one too");
    for (cell, row) in plain.iter().zip(&back[1..]) {
        assert_eq!(row, &[(*cell).to_owned()], "{cell:?}");
    }
    assert!(out[3].is_err() && out[4].is_err(), "{:?}", &out[3..]);
}
