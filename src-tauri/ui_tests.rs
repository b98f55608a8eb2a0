//! The page (ui/index.html) asks for every module of the app at once: each module app.js
//! imports, directly or not, is preloaded, and nothing else is. A module left out of the list
//! still loads, only later (its level of the import graph waits for the one above it); a
//! module listed but no longer imported is fetched for nothing. The graph is read from the
//! modules' import lines, which must each name one module on one line; every file of ui/js is
//! in it.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog_tests::{js_files, ui};

/// The modules a module names in its `import … from './x.js';` lines. Any other way of naming
/// a module (an import over several lines, `export … from`, `import()`, a bare `import './x.js'`)
/// fails here, so the graph read is the one the engine loads.
fn imports(file: &str, src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in src.lines().map(str::trim) {
        let named = line
            .strip_prefix("import ")
            .and_then(|l| l.split_once(" from './"))
            .and_then(|(_, rest)| rest.strip_suffix("';"))
            .filter(|m| m.ends_with(".js") && !m.contains(['/', '\'', '"']));
        if let Some(module) = named {
            out.push(module.to_owned());
            continue;
        }
        let other = line.starts_with("import")
            || line.contains("import(")
            || (line.starts_with("export ") && line.contains(" from "));
        assert!(
            !other,
            "ui/js/{file}: `{line}`: name a module on one line, `import … from './x.js';` \
             (ui_tests.rs reads the page's preload list from these lines)"
        );
    }
    out
}

/// The modules `start` imports, directly or not, with `start` itself, from ui/js's files.
fn reachable_from(start: &str) -> BTreeSet<String> {
    let files: BTreeMap<String, String> = js_files().into_iter().collect();
    let mut seen = BTreeSet::new();
    let mut todo = vec![start.to_owned()];
    while let Some(module) = todo.pop() {
        if !seen.insert(module.clone()) {
            continue;
        }
        let src = files
            .get(&module)
            .unwrap_or_else(|| panic!("ui/js/{module}: imported, but no such file"));
        todo.extend(imports(&module, src));
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
fn every_module_in_ui_js_is_reached_from_app_js() {
    let reached = reachable_from("app.js");
    let files: BTreeSet<String> = js_files().into_iter().map(|(name, _)| name).collect();
    let unreached: Vec<_> = files.difference(&reached).collect();
    assert!(
        unreached.is_empty(),
        "no module imports {unreached:?}: import it from the module that uses it, or remove it"
    );
}

#[test]
fn imports_are_read_from_import_lines_and_other_forms_refused() {
    let src = "import { t } from './i18n.js';\nimport * as vault from './vault.js';\n\
               // a comment on import x\nconst s = \"from './no.js'\";\n";
    assert_eq!(imports("a.js", src), ["i18n.js", "vault.js"]);
    for other in [
        "import {\n  t,\n} from './i18n.js';",
        "export { t } from './i18n.js';",
        "const m = await import('./vault.js');",
        "import './side_effect.js';",
    ] {
        let refused = std::panic::catch_unwind(|| imports("a.js", other));
        assert!(refused.is_err(), "{other}");
    }
}
