//! Spanish on a screen: the catalog's sentences, and the English the screen must not show.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::page::Page;

/// A sentence of a catalog (`ui/i18n/<lang>.json`) by its dotted key, as written.
pub fn catalog(lang: &str, key: &str) -> String {
    let all = flat(lang);
    all.get(key)
        .unwrap_or_else(|| panic!("{key} is not in {lang}.json"))
        .clone()
}

/// Every sentence of a catalog, by dotted key.
fn flat(lang: &str) -> BTreeMap<String, String> {
    let path = format!("{}/ui/i18n/{lang}.json", env!("CARGO_MANIFEST_DIR"));
    let tree: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    let mut todo = vec![(String::new(), &tree)];
    while let Some((prefix, v)) = todo.pop() {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    todo.push((key, v));
                }
            }
            Value::String(s) => {
                out.insert(prefix, s.clone());
            }
            _ => {}
        }
    }
    out
}

/// The English catalog's wording that Spanish never uses: each sentence's text between its
/// `{placeholders}`, kept when it is a word of four letters or more, or several words, and
/// appears nowhere in the Spanish catalog (product names, "SMS", examples are the same in
/// both).
fn english_only() -> Vec<String> {
    let es: Vec<String> = flat("es").into_values().collect();
    let mut pieces: Vec<String> = flat("en")
        .into_values()
        .flat_map(|s| {
            s.split(['{', '}'])
                .step_by(2)
                .map(|p| p.trim_matches(|c: char| !c.is_alphanumeric()).to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|p| p.contains(' ') || p.chars().filter(|c| c.is_alphabetic()).count() >= 4)
        .filter(|p| !es.iter().any(|s| s.contains(p.as_str())))
        .collect();
    pieces.sort();
    pieces.dedup();
    pieces
}

impl Page {
    /// The screen is in Spanish: `<html lang="es">`, and no English wording of the catalog in
    /// what it shows, in what a screen reader reads for its controls, or in its title.
    pub async fn check_spanish(&self, screen: &str) {
        let lang = self
            .script("return document.documentElement.lang;", vec![])
            .await;
        assert_eq!(lang, "es", "{}-{screen}", self.name());
        let left = self.english_shown().await;
        if !left.is_empty() {
            self.fail(&format!(
                "{screen}: English left on a Spanish screen: {left:?}"
            ))
            .await;
        }
    }

    /// The English catalog's wording (that Spanish never uses) found on the page, as whole
    /// words: in its text, its controls' labels, placeholders and titles, its title.
    pub async fn english_shown(&self) -> Vec<String> {
        let found = self
            .script(
                r#"const pieces = arguments[0];
                 const texts = [document.body.innerText, document.title];
                 for (const el of document.querySelectorAll('[aria-label], [placeholder], [title], [alt]'))
                   for (const a of ['aria-label', 'placeholder', 'title', 'alt'])
                     if (el.getAttribute(a)) texts.push(el.getAttribute(a));
                 const all = texts.join('\n');
                 const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
                 return pieces.filter((p) => new RegExp(`(^|[^\\p{L}])${esc(p)}($|[^\\p{L}])`, 'u').test(all));"#,
                vec![serde_json::to_value(english_only()).unwrap()],
            )
            .await;
        serde_json::from_value(found).unwrap()
    }
}
