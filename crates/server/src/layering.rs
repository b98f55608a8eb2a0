//! The server's rooms, as a test: no feature slice imports another, and nothing the slices
//! share (or anything below) imports a slice, and the CLI reaches the server through its public
//! door (`operate`, `serve`), never the floors below. docs/design.md, "Server rooms".

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    const SLICES: [&str; 5] = ["signin", "methods", "recovery", "sessions", "admin"];
    /// What the slices stand on: none of these may name a slice.
    const BELOW: [&str; 13] = [
        "auth",
        "second_step",
        "notices.rs",
        "clock.rs",
        "hashing.rs",
        "http.rs",
        "store",
        "delivery",
        "crypto.rs",
        "error.rs",
        "state.rs",
        "config.rs",
        "ops",
    ];

    fn src() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
    }

    /// Every `.rs` file under `path` (or `path` itself), with its text.
    fn sources(path: &Path) -> Vec<(PathBuf, String)> {
        if path.is_file() {
            let text = std::fs::read_to_string(path).expect("readable source");
            return vec![(path.to_owned(), text)];
        }
        let mut all = Vec::new();
        for entry in std::fs::read_dir(path).expect("a source folder") {
            let p = entry.expect("a folder entry").path();
            if p.is_dir() || p.extension().is_some_and(|e| e == "rs") {
                all.extend(sources(&p));
            }
        }
        all
    }

    /// The slices `text` names by path (`crate::signin`, `crate::{admin, …}` and the like).
    fn slices_named(text: &str) -> Vec<&'static str> {
        SLICES
            .into_iter()
            .filter(|s| {
                text.lines().any(|l| {
                    let l = l.trim();
                    !l.starts_with("//")
                        && (l.contains(&format!("crate::{s}"))
                            || (l.contains("crate::{") && l.contains(&format!(" {s}")))
                            || (l.contains("crate::{") && l.contains(&format!("{{{s}"))))
                })
            })
            .collect()
    }

    #[test]
    fn no_slice_imports_another() {
        for slice in SLICES {
            for (file, text) in sources(&src().join(slice)) {
                let others: Vec<_> = slices_named(&text)
                    .into_iter()
                    .filter(|s| *s != slice)
                    .collect();
                assert!(others.is_empty(), "{} imports {others:?}", file.display());
            }
        }
    }

    #[test]
    fn nothing_below_the_slices_imports_one() {
        for below in BELOW {
            for (file, text) in sources(&src().join(below)) {
                let named = slices_named(&text);
                assert!(named.is_empty(), "{} imports {named:?}", file.display());
            }
        }
    }

    /// The floors only flows reach. They are `pub(crate)` in every build but the tests' (the
    /// `testing` feature), so a release build already refuses the CLI naming them; this says
    /// it in the tests too, where the feature is on.
    const FLOWS_ONLY: [&str; 4] = ["store", "delivery", "crypto", "hashing"];

    #[test]
    fn the_cli_goes_through_the_public_door() {
        let mut cli = sources(&src().join("cli"));
        cli.extend(sources(&src().join("main.rs")));
        assert!(cli.len() >= 2, "the CLI's files are found");
        for (file, text) in cli {
            for floor in FLOWS_ONLY {
                let named = text.lines().any(|l| {
                    !l.trim().starts_with("//")
                        && (l.contains(&format!("twostep_server::{floor}"))
                            || (l.contains("twostep_server::{") && l.contains(floor)))
                });
                assert!(!named, "{} names {floor}", file.display());
            }
        }
    }

    /// The check itself sees an import when there is one.
    #[test]
    fn an_import_of_a_slice_is_seen() {
        assert_eq!(slices_named("use crate::signin::flow;"), ["signin"]);
        assert_eq!(
            slices_named("use crate::{admin, store};"),
            ["admin"],
            "a list"
        );
        assert!(slices_named("// crate::admin in a comment").is_empty());
        assert!(slices_named("use crate::store::people;").is_empty());
    }
}
