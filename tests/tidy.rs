//! Tidy: the crate's layers only point down, and no files import each other in a circle.
//!
//! Every `src/**/*.rs` file belongs to one layer of [`LAYERS`] (the table in ARCHITECTURE.md,
//! which this test checks too). A file may use files of its own layer and of lower layers;
//! a use of a higher layer, or of another layer at the same height (the readers and the
//! engine do not see each other), fails with the file, the line and both layers. Uses are
//! found in the text: `crate::…`, `super::…` and `self::…` paths, `use` trees, and paths
//! through a file's own child modules. Comments, strings and `#[cfg(test)]` code are left out.
//! In the circle test, a module's root file using its own submodules does not count (they are
//! one module: `rules/mod.rs` lists the shapes, each shape uses its shared steps); a submodule
//! using its parent, and siblings using each other, do.
//! The crate root (`src/lib.rs`: the module list and `#[macro_export]` macros) is no layer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first: (height, name, files). A path ending in `/` is a folder.
const LAYERS: &[(u8, &str, &[&str])] = &[
    (
        0,
        "model",
        &[
            "src/diag.rs",
            "src/lang.rs",
            "src/num.rs",
            "src/fx.rs",
            "src/expr.rs",
            "src/expr/",
            "src/raw.rs",
            "src/model.rs",
            "src/model/",
            "src/rules/",
        ],
    ),
    (1, "evidence", &["src/evidence.rs"]),
    (2, "results", &["src/result.rs"]),
    (
        3,
        "readers",
        &[
            "src/yaml.rs",
            "src/load.rs",
            "src/read.rs",
            "src/read/",
            "src/bind.rs",
        ],
    ),
    (3, "engine", &["src/engine.rs", "src/engine/"]),
    (
        4,
        "outputs",
        &[
            "src/output.rs",
            "src/output/",
            "src/report.rs",
            "src/report/",
            "src/template.rs",
        ],
    ),
    (
        5,
        "commands",
        &[
            "src/explain.rs",
            "src/gap.rs",
            "src/selfassess.rs",
            "src/selfassess/",
            "src/testcase.rs",
            "src/title.rs",
            "src/decide.rs",
            "src/decide/",
            "src/bench.rs",
            "src/handbook.rs",
            "src/handbook/",
            "src/diff.rs",
            "src/lint.rs",
            "src/robustness.rs",
            "src/robustness/",
            "src/stream.rs",
            "src/weights.rs",
        ],
    ),
    (
        6,
        "cli",
        &[
            "src/cli.rs",
            "src/cli/",
            "src/decide/cli.rs",
            "src/exit.rs",
            "src/main.rs",
        ],
    ),
];

/// Uses of a higher layer that are known and being removed: (from, to, why). They are left
/// out of the circle test too.
const ALLOWED: &[(&str, &str, &str)] = &[];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The layer of a file: the longest matching entry of [`LAYERS`].
fn layer_of(file: &str) -> Option<(u8, &'static str)> {
    let mut best: Option<(usize, u8, &'static str)> = None;
    for (height, name, files) in LAYERS {
        for f in *files {
            let hit = if f.ends_with('/') {
                file.starts_with(f)
            } else {
                file == *f
            };
            if hit && best.is_none_or(|(len, ..)| f.len() > len) {
                best = Some((f.len(), *height, name));
            }
        }
    }
    best.map(|(_, h, n)| (h, n))
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file: `src/read/table.rs` → `[read, table]`; `src/lib.rs` → `[]`.
fn module_of(rel: &str) -> Vec<String> {
    let rel = rel.strip_prefix("src/").unwrap_or(rel);
    let rel = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut segs: Vec<String> = rel.split('/').map(str::to_string).collect();
    if segs.last().is_some_and(|s| s == "mod") {
        segs.pop();
    }
    if segs == ["lib"] || segs == ["main"] {
        segs.clear();
    }
    segs
}

/// The text with comments, string and char literals blanked (newlines kept, so line numbers
/// stay right).
fn strip(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let prev_ident = i > 0 && ident(c[i - 1]);
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
        } else if (c[i] == 'r' || (c[i] == 'b' && c.get(i + 1) == Some(&'r'))) && !prev_ident && {
            let s = if c[i] == 'b' { i + 2 } else { i + 1 };
            let mut j = s;
            while c.get(j) == Some(&'#') {
                j += 1;
            }
            c.get(j) == Some(&'"')
        } {
            // A raw string: r"…", r#"…"#, br"…".
            let mut j = if c[i] == 'b' { i + 2 } else { i + 1 };
            let mut hashes = 0;
            while c[j] == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            while j < c.len() {
                if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            for &ch in &c[i..j.min(c.len())] {
                out.push(blank(ch));
            }
            i = j;
        } else if c[i] == '"' {
            out.push(' ');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < c.len() {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c[i] == '\'' && !prev_ident {
            // A char literal ('x', '\n', '\u{..}', '\''), or else a lifetime.
            let end = if c.get(i + 1) == Some(&'\\') {
                (i + 3..c.len()).find(|&j| c[j] == '\'')
            } else if c.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(e) => {
                    for _ in i..=e {
                        out.push(' ');
                    }
                    i = e + 1;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// Blank every item marked `#[cfg(test)]`; return the names of `#[cfg(test)] mod NAME;`.
fn drop_test_code(text: &str) -> (String, Vec<String>) {
    let c: Vec<char> = text.chars().collect();
    let mark: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut out: Vec<char> = c.clone();
    let mut test_mods = Vec::new();
    let mut i = 0;
    while i + mark.len() <= c.len() {
        if c[i..i + mark.len()] != mark[..] {
            i += 1;
            continue;
        }
        // The item runs to the first `;` outside braces, or to the brace closing its body.
        let mut j = i + mark.len();
        let mut depth = 0usize;
        while j < c.len() {
            match c[j] {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        j += 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    j += 1;
                    break;
                }
                _ => {}
            }
            j += 1;
        }
        let item: String = c[i + mark.len()..j.min(c.len())].iter().collect();
        let words: Vec<&str> = item
            .split(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        if item.trim_end().ends_with(';')
            && let Some(k) = words.iter().position(|w| *w == "mod")
            && let Some(name) = words.get(k + 1)
        {
            test_mods.push(name.to_string());
        }
        for ch in out.iter_mut().take(j.min(c.len())).skip(i) {
            if *ch != '\n' {
                *ch = ' ';
            }
        }
        i = j;
    }
    (out.into_iter().collect(), test_mods)
}

/// The child modules a file declares (`mod x;`, `pub mod x;`, `pub(crate) mod x;`).
fn child_mods(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line
            .split(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        if line.trim_end().ends_with(';')
            && let Some(k) = words.iter().position(|w| *w == "mod")
            && let Some(name) = words.get(k + 1)
            && words[..k].iter().all(|w| matches!(*w, "pub" | "crate"))
        {
            out.push(name.to_string());
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Sep,
    Open,
    Close,
    Comma,
    Star,
}

fn tokens(s: &str) -> Vec<Tok> {
    let c: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(Tok::Word(c[start..i].iter().collect()));
            continue;
        }
        match ch {
            ':' if c.get(i + 1) == Some(&':') => {
                out.push(Tok::Sep);
                i += 1;
            }
            '{' => out.push(Tok::Open),
            '}' => out.push(Tok::Close),
            ',' => out.push(Tok::Comma),
            '*' => out.push(Tok::Star),
            _ => {}
        }
        i += 1;
    }
    out
}

/// The leaf paths of a `use` tree: `a::{b, c::{d, self}}` → `a::b`, `a::c::d`, `a::c`.
fn use_paths(toks: &[Tok], pos: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    loop {
        match toks.get(*pos) {
            Some(Tok::Word(w)) if w == "as" => {
                *pos += 2; // `as name`
                out.push(path);
                return;
            }
            Some(Tok::Word(w))
                if w == "self" && !prefix.is_empty() && path.len() == prefix.len() =>
            {
                *pos += 1;
                out.push(path);
                return;
            }
            Some(Tok::Word(w)) => {
                path.push(w.clone());
                *pos += 1;
            }
            Some(Tok::Sep) => *pos += 1,
            Some(Tok::Star) => {
                *pos += 1;
                out.push(path);
                return;
            }
            Some(Tok::Open) => {
                *pos += 1;
                loop {
                    match toks.get(*pos) {
                        Some(Tok::Close) => {
                            *pos += 1;
                            return;
                        }
                        Some(Tok::Comma) => *pos += 1,
                        None => return,
                        _ => use_paths(toks, pos, &path, out),
                    }
                }
            }
            _ => {
                out.push(path);
                return;
            }
        }
    }
}

/// One use of a module path, at a line.
struct Use {
    line: usize,
    path: Vec<String>,
}

/// Every path a file uses that can name a file of this crate, as absolute module paths.
fn uses(text: &str, module: &[String], children: &[String]) -> Vec<Use> {
    let line_of = |byte: usize| text[..byte].matches('\n').count() + 1;
    let absolute = |segs: &[String]| -> Option<Vec<String>> {
        let first = segs.first()?;
        let mut here: Vec<String> = module.to_vec();
        let mut rest = segs;
        match first.as_str() {
            "crate" => {
                here.clear();
                rest = &segs[1..];
            }
            "super" | "self" => {
                while let Some(s) = rest.first() {
                    match s.as_str() {
                        "super" => {
                            here.pop()?;
                        }
                        "self" => {}
                        _ => break,
                    }
                    rest = &rest[1..];
                }
            }
            w if children.iter().any(|c| c == w) => {}
            _ => return None,
        }
        here.extend(rest.iter().cloned());
        Some(here)
    };
    let mut out = Vec::new();
    // `use` trees; blanked in `code` so that the paths in code are looked for apart.
    let bytes = text.as_bytes();
    let mut code = text.to_string();
    let mut at = 0;
    while let Some(k) = text[at..].find("use ") {
        let start = at + k;
        at = start + 4;
        let boundary =
            start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        if !boundary {
            continue;
        }
        let Some(end) = text[start..].find(';') else {
            break;
        };
        let toks = tokens(&text[start + 4..start + end]);
        let mut leaves = Vec::new();
        let mut pos = 0;
        use_paths(&toks, &mut pos, &[], &mut leaves);
        for leaf in leaves {
            if let Some(p) = absolute(&leaf) {
                out.push(Use {
                    line: line_of(start),
                    path: p,
                });
            }
        }
        let blanked: String = text[start..start + end]
            .chars()
            .map(|ch| {
                if ch == '\n' {
                    "\n".to_string()
                } else {
                    " ".repeat(ch.len_utf8())
                }
            })
            .collect();
        code.replace_range(start..start + end, &blanked);
        at = start + end;
    }
    // Paths in code: `crate::a::b`, `super::x`, `self::x`, `child::x`.
    let c: Vec<char> = code.chars().collect();
    let mut byte = 0;
    let mut i = 0;
    while i < c.len() {
        let is_ident = |ch: char| ch.is_alphanumeric() || ch == '_';
        let starts_word = is_ident(c[i])
            && (i == 0 || !(is_ident(c[i - 1]) || c[i - 1] == ':' || c[i - 1] == '$'));
        if starts_word {
            let mut segs = Vec::new();
            let mut j = i;
            let mut b = byte;
            loop {
                let s = j;
                while j < c.len() && is_ident(c[j]) {
                    b += c[j].len_utf8();
                    j += 1;
                }
                segs.push(c[s..j].iter().collect::<String>());
                if c.get(j) == Some(&':')
                    && c.get(j + 1) == Some(&':')
                    && c.get(j + 2).is_some_and(|ch| is_ident(*ch))
                {
                    j += 2;
                    b += 2;
                } else {
                    break;
                }
            }
            if segs.len() > 1
                && let Some(p) = absolute(&segs)
            {
                out.push(Use {
                    line: line_of(byte),
                    path: p,
                });
            }
            byte = b;
            i = j;
        } else {
            byte += c[i].len_utf8();
            i += 1;
        }
    }
    out
}

struct Crate {
    /// Files by path relative to the crate, with their module paths.
    modules: BTreeMap<Vec<String>, String>,
    /// (from, to) → the lines of the uses.
    edges: BTreeMap<(String, String), BTreeSet<usize>>,
}

fn read_crate() -> Crate {
    let root = root();
    let mut files = Vec::new();
    rs_files(&root.join("src"), &mut files);
    let mut modules = BTreeMap::new();
    let mut texts = BTreeMap::new();
    let mut test_files = BTreeSet::new();
    for f in &files {
        let rel = f
            .strip_prefix(&root)
            .expect("under the crate")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(f).expect("read source");
        let (text, test_mods) = drop_test_code(&strip(&text));
        let module = module_of(&rel);
        for t in test_mods {
            let mut m = module.clone();
            m.push(t);
            test_files.insert(m);
        }
        if rel != "src/main.rs" {
            modules.insert(module, rel.clone());
        }
        texts.insert(rel, text);
    }
    modules.retain(|m, _| !test_files.contains(m));
    let mut edges: BTreeMap<(String, String), BTreeSet<usize>> = BTreeMap::new();
    for (rel, text) in &texts {
        let module = module_of(rel);
        if test_files.contains(&module) && rel != "src/main.rs" {
            continue;
        }
        let children = child_mods(text);
        for u in uses(text, &module, &children) {
            // The file is the longest prefix of the path that is a module.
            let target = (0..=u.path.len())
                .rev()
                .find_map(|n| modules.get(&u.path[..n]));
            let Some(target) = target else { continue };
            if target == "src/lib.rs" || target == rel {
                continue;
            }
            edges
                .entry((rel.clone(), target.clone()))
                .or_default()
                .insert(u.line);
        }
    }
    modules.retain(|_, f| f != "src/lib.rs");
    Crate { modules, edges }
}

#[test]
fn every_file_has_a_layer() {
    let c = read_crate();
    let missing: Vec<&String> = c
        .modules
        .values()
        .filter(|f| layer_of(f).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a layer (add them to LAYERS in tests/tidy.rs and to the table in ARCHITECTURE.md): {missing:?}"
    );
}

#[test]
fn layers_only_point_down() {
    let c = read_crate();
    let mut problems = Vec::new();
    let mut allowed_seen = BTreeSet::new();
    for ((from, to), lines) in &c.edges {
        let (Some((hf, lf)), Some((ht, lt))) = (layer_of(from), layer_of(to)) else {
            continue;
        };
        if ht < hf || lf == lt {
            continue;
        }
        if ALLOWED.iter().any(|(a, b, _)| a == from && b == to) {
            allowed_seen.insert((from.clone(), to.clone()));
            continue;
        }
        for line in lines {
            let how = if ht == hf { "beside it" } else { "above it" };
            problems.push(format!(
                "{from}:{line}: layer `{lf}` uses {to}, of layer `{lt}` ({how})"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "a lower layer uses a higher one:\n{}",
        problems.join("\n")
    );
    let stale: Vec<String> = ALLOWED
        .iter()
        .filter(|(a, b, _)| !allowed_seen.contains(&(a.to_string(), b.to_string())))
        .map(|(a, b, why)| format!("{a} → {b} ({why})"))
        .collect();
    assert!(
        stale.is_empty(),
        "allowed uses that no longer happen: remove them from ALLOWED: {stale:?}"
    );
}

/// Raw types are not the model: the file format (`raw.rs`) is read by the loader alone; the
/// engine and everything after it see only the validated model.
#[test]
fn only_the_loader_sees_the_file_format() {
    let c = read_crate();
    let users: Vec<String> = c
        .edges
        .iter()
        .filter(|((from, to), _)| to == "src/raw.rs" && from != "src/load.rs")
        .map(|((from, _), lines)| format!("{from}:{lines:?}"))
        .collect();
    assert!(
        users.is_empty(),
        "files other than load.rs use the YAML file format (raw.rs): {users:?}"
    );
}

#[test]
fn no_circle_of_files() {
    let c = read_crate();
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let module_by_file: BTreeMap<&str, &Vec<String>> =
        c.modules.iter().map(|(m, f)| (f.as_str(), m)).collect();
    for (from, to) in c.edges.keys() {
        if ALLOWED.iter().any(|(a, b, _)| a == from && b == to) {
            continue;
        }
        // A module's root file using its own submodules (declaring, listing, re-exporting
        // them) while they use its shared items is one module, not a circle.
        if let (Some(mf), Some(mt)) = (
            module_by_file.get(from.as_str()),
            module_by_file.get(to.as_str()),
        ) && mt.starts_with(mf)
        {
            continue;
        }
        next.entry(from.as_str()).or_default().push(to.as_str());
    }
    // Tarjan's strongly connected components: every component of two or more files is a circle.
    struct State<'a> {
        next: &'a BTreeMap<&'a str, Vec<&'a str>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        circles: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for &w in s.next.get(v).map(Vec::as_slice).unwrap_or(&[]) {
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                comp.push(w);
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.circles.push(comp);
            }
        }
    }
    let mut s = State {
        next: &next,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        circles: Vec::new(),
    };
    let files: Vec<&str> = c.modules.values().map(String::as_str).collect();
    for f in files {
        if !s.index.contains_key(f) {
            visit(&mut s, f);
        }
    }
    let text: Vec<String> = s
        .circles
        .iter()
        .map(|comp| {
            let ties: Vec<String> = c
                .edges
                .iter()
                .filter(|((a, b), _)| comp.contains(&a.as_str()) && comp.contains(&b.as_str()))
                .map(|((a, b), lines)| {
                    let first = lines.iter().next().copied().unwrap_or(0);
                    format!("  {a}:{first} uses {b}")
                })
                .collect();
            format!("circle of {}:\n{}", comp.join(", "), ties.join("\n"))
        })
        .collect();
    assert!(
        text.is_empty(),
        "files that use each other in a circle:\n{}",
        text.join("\n")
    );
}

/// The layer table as ARCHITECTURE.md shows it.
fn layer_table() -> String {
    let mut t = String::from("| height | layer | files |\n|---|---|---|\n");
    for (h, name, files) in LAYERS.iter().rev() {
        let files: Vec<String> = files.iter().map(|f| format!("`{f}`")).collect();
        t.push_str(&format!("| {h} | {name} | {} |\n", files.join(", ")));
    }
    t
}

#[test]
fn architecture_shows_the_layer_table() {
    let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let table = layer_table();
    assert!(
        doc.contains(&table),
        "ARCHITECTURE.md must hold the layer table of tests/tidy.rs, exactly:\n\n{table}"
    );
}

#[test]
fn the_reader_sees_what_it_should() {
    // The scanner itself: a lower layer's use through each kind of path is found.
    let text = drop_test_code(&strip(
        "use crate::a::{b, c::{self, D}};\n// crate::x::y\nfn f() { super::e::f(); let s = \"crate::g::h\"; kid::z(); }\n#[cfg(test)]\nmod tests { use crate::t::u; }\n",
    ))
    .0;
    let found: Vec<(usize, String)> = uses(&text, &["m".to_string()], &["kid".to_string()])
        .into_iter()
        .map(|u| (u.line, u.path.join("::")))
        .collect();
    assert_eq!(
        found,
        [
            (1, "a::b".to_string()),
            (1, "a::c".to_string()),
            (1, "a::c::D".to_string()),
            (3, "e::f".to_string()),
            (3, "m::kid::z".to_string()),
        ]
    );
}
