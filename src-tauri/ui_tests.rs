//! The page (ui/index.html) asks for every module of the app at once: each module app.js
//! imports, directly or not, is preloaded, and nothing else is. A module left out of the list
//! still loads, only later (its level of the import graph waits for the one above it); a
//! module listed but no longer imported is fetched for nothing.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn ui() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ui")
}

/// The modules a module's static `import … from './x.js';` lines name.
fn imports(src: &str) -> Vec<String> {
    src.lines()
        .filter(|l| l.starts_with("import "))
        .filter_map(|l| l.split(" from './").nth(1))
        .filter_map(|rest| rest.split('\'').next())
        .map(str::to_owned)
        .collect()
}

fn reachable_from(start: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![start.to_owned()];
    while let Some(module) = todo.pop() {
        if !seen.insert(module.clone()) {
            continue;
        }
        let src = std::fs::read_to_string(ui().join("js").join(&module))
            .unwrap_or_else(|e| panic!("ui/js/{module}: {e}"));
        todo.extend(imports(&src));
    }
    seen
}

fn preloaded(page: &str) -> BTreeSet<String> {
    page.split("<link rel=\"modulepreload\" href=\"js/")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

#[test]
fn the_page_preloads_every_module_the_app_imports_and_no_other() {
    let page = std::fs::read_to_string(ui().join("index.html")).unwrap();
    assert!(page.contains("<script type=\"module\" src=\"js/app.js\"></script>"));
    let mut wanted = reachable_from("app.js");
    wanted.remove("app.js");
    assert!(wanted.len() > 30, "the graph was read: {wanted:?}");
    let listed = preloaded(&page);
    let missing: Vec<_> = wanted.difference(&listed).collect();
    let extra: Vec<_> = listed.difference(&wanted).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "ui/index.html: add <link rel=\"modulepreload\" href=\"js/…\"> for {missing:?}; \
         remove it for {extra:?}"
    );
}

#[test]
fn imports_are_read_from_import_lines_only() {
    let src = "import { t } from './i18n.js';\nimport * as vault from './vault.js';\n\
               // import { x } from './commented.js';\nconst s = \"import from './no.js'\";\n";
    assert_eq!(imports(src), ["i18n.js", "vault.js"]);
}
