//! YAML inputs read one way: indicator sets, decision policies and the title registry.
//!
//! - [`load_file`] reads a regular file of at most [`MAX_BYTES`] as UTF-8 (a pipe, a device
//!   or a folder is refused before it is opened, so nothing blocks or runs away) and hands the
//!   text to the loader of that kind of file.
//! - [`parse`] deserializes the text with [`options`]: duplicate keys are errors, one document
//!   only, and budgets bound nodes, depth, aliases and scalar bytes.
//! - When the whole text does not deserialize, the raw type's [`Recover`] re-parses its parts
//!   (the top level alone, then each list item from its own region of the file), so every
//!   broken item reports its first problem with its real line and column, not just the first
//!   problem of the file.
//!
//! [`top_level_keys`] lists the top-level keys in file order with where each key and value
//! start, for checks about the layout of a file (the registry's log must be its last key).

use crate::diag::{Diagnostic, Diagnostics, from_yaml_error};
use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_saphyr::{Location, Spanned};
use std::io::Read;
use std::path::Path;

/// The largest YAML input read (16 MiB): far above any real indicator set, policy or registry.
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Parser options for every YAML input. Duplicate keys are errors (the second value would
/// silently win); a file is one document; the budgets stop alias bombs and runaway nesting
/// long before memory does, while leaving room for sets and registries far larger than real
/// ones (a registry of 10,000 events is about 100,000 nodes).
pub fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_documents: 1,
            max_depth: 64,
            max_nodes: 1_000_000,
            max_events: 2_000_000,
            max_aliases: 10_000,
            max_anchors: 10_000,
            max_total_scalar_bytes: MAX_BYTES as usize,
        },
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 200_000,
            max_replay_stack_depth: 16,
        },
    }
}

/// Read `path` (see [`read_file`]) and load it with `load(file name, text)`.
pub fn load_file<T>(
    path: &Path,
    load: impl FnOnce(&str, &str) -> Result<T, Diagnostics>,
) -> Result<T, Diagnostics> {
    let (file, text) = read_file(path)?;
    load(&file, &text)
}

/// The name of `path` for diagnostics and its text: a regular file (or a link to one) of at
/// most [`MAX_BYTES`], in UTF-8.
pub fn read_file(path: &Path) -> Result<(String, String), Diagnostics> {
    let file = path.display().to_string();
    let fail = |msg: String| Diagnostics::new(vec![Diagnostic::file(&file, msg)]);
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    if meta.is_dir() {
        return Err(fail("is a folder, not a YAML file".into()));
    }
    if !meta.is_file() {
        return Err(fail(
            "not a regular file (a pipe, socket or device is not read)".into(),
        ));
    }
    let too_large = || fail(format!("larger than {} MiB: not read", MAX_BYTES >> 20));
    if meta.len() > MAX_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_large());
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| fail("not valid UTF-8 (save the file as UTF-8)".into()))?;
    Ok((file, text))
}

/// A raw file type that can report every structural problem of a text it does not
/// deserialize from.
pub trait Recover: DeserializeOwned {
    /// Re-parse the parts of `r`'s text (with [`Recovery::check`] and [`Recovery::items`]),
    /// each problem found being added to `r`.
    fn recover(r: &mut Recovery<'_>);
}

/// Deserialize `text` as `T`; when it does not, every structural problem [`Recover`] finds,
/// each with its line and column in `file`.
pub fn parse<T: Recover>(file: &str, text: &str) -> Result<T, Diagnostics> {
    match from_str::<T>(text) {
        Ok(t) => Ok(t),
        Err(first) => {
            let mut r = Recovery {
                file,
                text,
                list: vec![from_yaml_error(file, &first)],
            };
            T::recover(&mut r);
            Err(Diagnostics::new(r.list))
        }
    }
}

/// Deserialize `text` as `T` with [`options`].
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options(text, options())
}

/// List items to re-parse one by one: where each starts.
pub type Items = Option<Vec<Spanned<IgnoredAny>>>;

/// The problems found while re-parsing the parts of a text that did not deserialize.
pub struct Recovery<'a> {
    file: &'a str,
    text: &'a str,
    list: Vec<Diagnostic>,
}

impl Recovery<'_> {
    /// The whole text as `T`, a skeleton that leaves lists unparsed to find where their items
    /// start: `None` when it does not deserialize either (its problem is the first one again).
    pub fn skeleton<T: DeserializeOwned>(&self) -> Option<T> {
        from_str::<T>(self.text).ok()
    }

    /// The whole text as `T` (the top level with its lists unparsed, say): its problem is added.
    pub fn check<T: DeserializeOwned>(&mut self) {
        if let Err(e) = from_str::<T>(self.text) {
            self.list.push(from_yaml_error(self.file, &e));
        }
    }

    /// Each item of a block list as `T`, from its own region of the text: the first problem of
    /// every broken item is added.
    pub fn items<T: DeserializeOwned>(&mut self, items: &Items) {
        for item in items.iter().flatten() {
            if let Some(region) = item_region(self.text, item.referenced)
                && let Err(e) = from_str::<T>(&region)
            {
                self.list.push(from_yaml_error(self.file, &e));
            }
        }
    }
}

/// The text of one block-list item, padded so that line and column numbers of errors in it are
/// those of the original file.
fn item_region(text: &str, loc: Location) -> Option<String> {
    let start = usize::try_from(loc.span().byte_offset()?).ok()?;
    let line = usize::try_from(loc.line()).ok()?;
    let column = usize::try_from(loc.column()).ok()?;
    if line == 0 || column == 0 || start > text.len() || !text.is_char_boundary(start) {
        return None;
    }
    // The item belongs to the dash before it; it ends at the first later line indented no
    // deeper than that dash (the next item or the next key), ignoring blank and comment lines.
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..start];
    let dash_col = prefix.rfind('-').map(|i| prefix[..i].chars().count())?;
    let mut end = text.len();
    let mut pos = text[start..]
        .find('\n')
        .map_or(text.len(), |i| start + i + 1);
    while pos < text.len() {
        let next = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        let l = &text[pos..next];
        let trimmed = l.trim_start();
        if !(trimmed.is_empty() || trimmed.starts_with('#')) {
            let indent = l.len() - trimmed.len();
            if indent <= dash_col {
                end = pos;
                break;
            }
        }
        pos = next;
    }
    let mut region = "\n".repeat(line - 1);
    region.push_str(&" ".repeat(column - 1));
    region.push_str(&text[start..end]);
    Some(region)
}

/// One top-level key: its name as YAML reads it (quotes removed), where the key starts and
/// where its value starts.
#[derive(Debug, Clone)]
pub struct TopKey {
    pub name: String,
    pub key: Location,
    pub value: Location,
}

/// The top-level keys of a mapping document, in file order.
pub fn top_level_keys(text: &str) -> Result<Vec<TopKey>, serde_saphyr::Error> {
    struct Keys(Vec<TopKey>);
    impl<'de> Deserialize<'de> for Keys {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Keys;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a mapping")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Keys, A::Error> {
                    let mut keys = Vec::new();
                    while let Some(k) = m.next_key::<Spanned<String>>()? {
                        let v = m.next_value::<Spanned<IgnoredAny>>()?;
                        keys.push(TopKey {
                            name: k.value,
                            key: k.referenced,
                            value: v.referenced,
                        });
                    }
                    Ok(Keys(keys))
                }
            }
            d.deserialize_map(V)
        }
    }
    from_str::<Keys>(text).map(|k| k.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_keeps_positions() {
        let text = "a: 1\nitems:\n  - id: x\n    max: 1\n  # note\n  - id: y\n    max: [\nz: 2\n";
        let items: Vec<Spanned<IgnoredAny>> = {
            #[derive(Deserialize)]
            struct T {
                items: Vec<Spanned<IgnoredAny>>,
            }
            let fixed = text.replace("max: [", "max: 2");
            from_str::<T>(&fixed).expect("valid").items
        };
        assert_eq!(
            item_region(text, items[0].referenced).as_deref(),
            Some("\n\n    id: x\n    max: 1\n  # note\n")
        );
    }

    #[test]
    fn every_broken_item_is_reported_where_it_is() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Item {
            #[allow(dead_code)]
            id: String,
        }
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Doc {
            #[allow(dead_code)]
            items: Vec<Item>,
        }
        impl Recover for Doc {
            fn recover(r: &mut Recovery<'_>) {
                #[derive(Deserialize)]
                struct Skeleton {
                    items: Items,
                }
                if let Some(s) = r.skeleton::<Skeleton>() {
                    r.items::<Item>(&s.items);
                }
            }
        }
        let text = "items:\n  - id: a\n  - { id: b, colour: red }\n  - id: c\n    size: 2\n";
        let d = parse::<Doc>("d.yaml", text)
            .expect_err("invalid")
            .to_string();
        assert!(d.contains("d.yaml:3:"), "{d}");
        assert!(d.contains("d.yaml:5:"), "{d}");
        assert!(parse::<Doc>("d.yaml", "items: [{id: a}]\n").is_ok());
    }

    #[test]
    fn duplicate_keys_and_second_documents_are_errors() {
        #[derive(Debug, Deserialize)]
        struct Doc {
            #[allow(dead_code)]
            a: u32,
        }
        assert!(from_str::<Doc>("a: 1\na: 2\n").is_err());
        assert!(from_str::<Doc>("a: 1\n---\na: 2\n").is_err());
    }

    #[test]
    fn alias_bombs_are_stopped() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(from_str::<serde::de::IgnoredAny>(&text).is_err());
    }

    #[test]
    fn top_level_keys_in_order_whatever_the_spelling() {
        let text = "a: 1\n\"events\" :\n- x\n";
        let keys = top_level_keys(text).expect("valid");
        let names: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names, ["a", "events"]);
        assert_eq!((keys[1].key.line(), keys[1].key.column()), (2, 1));
    }

    #[test]
    fn only_regular_files_are_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = read_file(dir.path()).expect_err("a folder").to_string();
        assert!(err.contains("is a folder"), "{err}");
        let f = dir.path().join("x.yaml");
        std::fs::write(&f, b"a: \xff\n").expect("write");
        let err = read_file(&f).expect_err("not UTF-8").to_string();
        assert!(err.contains("not valid UTF-8"), "{err}");
        std::fs::write(&f, "a: 1\n").expect("write");
        assert_eq!(read_file(&f).expect("read").1, "a: 1\n");
        #[cfg(unix)]
        {
            let err = read_file(Path::new("/dev/zero")).expect_err("a device");
            assert!(err.to_string().contains("not a regular file"), "{err}");
        }
    }
}
