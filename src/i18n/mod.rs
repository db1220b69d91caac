//! The message catalogue: every user-visible string, in Chinese (zh-CN) and English.
//!
//! Catalogues are TOML files embedded in the binary (`en.toml`, `zh-CN.toml`); nested
//! tables flatten to dotted keys (`[nav] home = …` is `nav.home`). Placeholders are
//! written `{name}`. Tests check that both catalogues have the same keys and
//! placeholders, and that every key the code asks for exists.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Lang {
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];
    /// The product's home is China: Chinese unless something says otherwise.
    pub const DEFAULT: Lang = Lang::Zh;

    /// The BCP 47 tag, as used in `lang=` attributes and stored preferences.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language's name in itself, for the language switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Zh => "中文",
            Lang::En => "English",
        }
    }

    /// Reads a stored or submitted tag: `zh`, `zh-CN`, `zh-Hans`, `en`, `en-GB`…
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The best supported language of an `Accept-Language` header, by q-value.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, usize, Lang)> = None;
        for (pos, part) in header.split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            if let Some(lang) = Lang::from_tag(tag) {
                // Higher q wins; on a tie the earlier entry wins.
                let better = match best {
                    None => true,
                    Some((bq, _, _)) => q > bq,
                };
                if better {
                    best = Some((q, pos, lang));
                }
            }
        }
        best.map(|(_, _, lang)| lang)
    }

    pub fn tr(self) -> Tr {
        Tr(self)
    }
}

type Catalogue = HashMap<String, String>;

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalogue) {
    for (key, value) in table {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::String(s) => {
                out.insert(full, s.clone());
            }
            toml::Value::Table(t) => flatten(&full, t, out),
            other => panic!("catalogue entry {full} is not text: {other:?}"),
        }
    }
}

fn load(source: &str, name: &str) -> Catalogue {
    let table: toml::Table = source
        .parse()
        .unwrap_or_else(|e| panic!("message catalogue {name} does not parse: {e}"));
    let mut out = Catalogue::new();
    flatten("", &table, &mut out);
    out
}

static EN: LazyLock<Catalogue> = LazyLock::new(|| load(include_str!("en.toml"), "en.toml"));
static ZH: LazyLock<Catalogue> = LazyLock::new(|| load(include_str!("zh-CN.toml"), "zh-CN.toml"));

fn catalogue(lang: Lang) -> &'static Catalogue {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// A translator for one language. Cheap to copy into views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn lang(self) -> Lang {
        self.0
    }

    /// The message for `key`. A missing key (which the tests rule out) shows the key
    /// itself rather than failing the page.
    pub fn t(self, key: &str) -> &'static str {
        catalogue(self.0)
            .get(key)
            .or_else(|| EN.get(key))
            .map(String::as_str)
            .unwrap_or_else(|| {
                tracing::warn!(key, "missing message");
                "??"
            })
    }

    /// The message for `key` with `{name}` placeholders filled in.
    pub fn f(self, key: &str, args: &[(&str, &str)]) -> String {
        let mut s = self.t(key).to_string();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), value);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(s: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = s;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            out.insert(rest[start + 1..start + len].to_string());
            rest = &rest[start + len..];
        }
        out
    }

    #[test]
    fn both_catalogues_have_the_same_keys_and_placeholders() {
        let en: BTreeSet<_> = EN.keys().collect();
        let zh: BTreeSet<_> = ZH.keys().collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        let only_zh: Vec<_> = zh.difference(&en).collect();
        assert!(only_en.is_empty(), "missing in zh-CN.toml: {only_en:?}");
        assert!(only_zh.is_empty(), "missing in en.toml: {only_zh:?}");
        for key in en {
            assert_eq!(
                placeholders(&EN[key]),
                placeholders(&ZH[key]),
                "placeholders differ for {key}"
            );
            assert!(!ZH[key].trim().is_empty(), "empty zh-CN message {key}");
        }
    }

    /// Every `.t("…")` and `.f("…"` key written in the source exists in the catalogue.
    #[test]
    fn every_key_the_code_uses_exists() {
        let mut missing = Vec::new();
        let mut checked = 0;
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut stack = vec![std::path::PathBuf::from(root)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for marker in [".t(\"", ".f(\"", "key: \"", "_key(\""] {
                    for (i, _) in text.match_indices(marker) {
                        let rest = &text[i + marker.len()..];
                        let key = &rest[..rest.find('"').unwrap()];
                        let key_like = !key.is_empty()
                            && key.contains('.')
                            && key
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_');
                        if !key_like {
                            continue;
                        }
                        checked += 1;
                        if !EN.contains_key(key) {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
                // Keys returned from `fn …_key()` helpers: "area.name" string literals.
                for line in text
                    .lines()
                    .filter(|l| l.contains("=> \"") && l.contains('.'))
                {
                    if let Some(start) = line.find("=> \"") {
                        let rest = &line[start + 4..];
                        let key = &rest[..rest.find('"').unwrap_or(0)];
                        let looks_like_key = key.contains('.')
                            && key
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_');
                        if looks_like_key {
                            checked += 1;
                            if !EN.contains_key(key) {
                                missing.push(format!("{}: {key}", path.display()));
                            }
                        }
                    }
                }
            }
        }
        assert!(checked > 50, "the scan found only {checked} keys");
        assert!(
            missing.is_empty(),
            "keys missing from the catalogue: {missing:#?}"
        );
    }

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(Lang::from_accept_language("en-GB,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("fr-FR, zh-CN;q=0.8, en;q=0.5"),
            Some(Lang::Zh)
        );
        assert_eq!(
            Lang::from_accept_language("zh;q=0.3, en;q=0.7"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("de, fr"), None);
        assert_eq!(Lang::from_accept_language("en;q=0, zh-TW"), Some(Lang::Zh));
        assert_eq!(Lang::from_accept_language(""), None);
    }

    #[test]
    fn placeholders_are_filled() {
        let tr = Lang::En.tr();
        let s = tr.f("login.wait", &[("seconds", "8")]);
        assert!(s.contains('8') && !s.contains("{seconds}"), "{s}");
    }
}
