//! Arbitrary input to every parser: an error or a result, never a panic (issue 13). Bytes are
//! drawn at random and, because random bytes rarely get past the first check, also as the
//! shipped fixtures with a few bytes changed, cut or repeated. The same inputs seed the
//! cargo-fuzz targets in `fuzz/`.

use crate::support::repo;
use proptest::prelude::*;
use std::sync::OnceLock;

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn base_set() -> &'static kaohe::model::IndicatorSet {
    static SET: OnceLock<kaohe::model::IndicatorSet> = OnceLock::new();
    SET.get_or_init(|| {
        kaohe::load::load_set_file(&repo().join("fixtures/invalid/base/set.yaml")).expect("base")
    })
}

/// `seed` with edits: each `(position, byte, kind)` overwrites, inserts or cuts at a position.
fn mutate(seed: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for &(pos, byte, kind) in edits {
        if v.is_empty() {
            v.push(byte);
            continue;
        }
        let at = pos % v.len();
        match kind % 4 {
            0 => v[at] = byte,
            1 => v.insert(at, byte),
            2 => v.truncate(at),
            _ => {
                let piece: Vec<u8> = v[at..].iter().take(64).copied().collect();
                v.splice(at..at, piece);
            }
        }
    }
    v
}

fn edits() -> impl Strategy<Value = Vec<(usize, u8, u8)>> {
    prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..6)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Evidence bytes read as `name` (its extension picks the reader), then bound to the base set.
fn read_and_bind(name: &str, bytes: &[u8]) {
    let mut out = kaohe::read::ReadEvidence::default();
    let mut diags = Vec::new();
    match name.rsplit('.').next() {
        Some("csv") => kaohe::read::csv::read_csv(
            name,
            bytes,
            kaohe::read::csv::TextEncoding::Auto,
            &mut out,
            &mut diags,
        ),
        Some("yaml") => kaohe::read::yaml::read_yaml(name, &text(bytes), &mut out, &mut diags),
        _ => kaohe::read::workbook::read_workbook(name, bytes, &mut out, &mut diags),
    }
    if let Ok(ev) = kaohe::bind::bind_partial(base_set(), out, diags) {
        let _ = kaohe::engine::assess(base_set(), &ev);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn set_yaml_from_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = kaohe::load::load_set_str("fuzz.yaml", &text(&bytes));
    }

    #[test]
    fn set_yaml_mutated(e in edits()) {
        let seed = fixture("fixtures/invalid/base/set.yaml");
        let _ = kaohe::load::load_set_str("fuzz.yaml", &text(&mutate(&seed, &e)));
    }

    #[test]
    fn evidence_csv(bytes in prop::collection::vec(any::<u8>(), 0..512), e in edits()) {
        read_and_bind("fuzz.csv", &bytes);
        read_and_bind("fuzz.csv", &mutate(&fixture("fixtures/invalid/ev-short-row.csv"), &e));
    }

    #[test]
    fn evidence_yaml(e in edits()) {
        read_and_bind("fuzz.yaml", &mutate(&fixture("fixtures/invalid/ev-wrong-types.yaml"), &e));
    }

    #[test]
    fn workbooks(e in edits(), which in 0usize..3) {
        let seed = ["fixtures/excel/shenzhen.xlsx", "fixtures/excel/shenzhen.xls", "fixtures/excel/shenzhen.ods"][which];
        let name = format!("fuzz.{}", seed.rsplit('.').next().unwrap_or("xlsx"));
        read_and_bind(&name, &mutate(&fixture(seed), &e));
    }

    #[test]
    fn registry(e in edits()) {
        let seed = fixture("fixtures/titles/registry.yaml");
        let _ = kaohe::title::load_registry_str("fuzz.yaml", &text(&mutate(&seed, &e)));
    }

    #[test]
    fn policy(e in edits()) {
        let seed = fixture("indicators/sz-policy.yaml");
        let _ = kaohe::decide::policy::load_policy_str("fuzz.yaml", &text(&mutate(&seed, &e)));
    }

    /// Expressions from a soup of the language's tokens, compiled as a derived value of the base
    /// set and, when they compile, evaluated on a unit.
    #[test]
    fn expressions(tokens in prop::collection::vec(prop::sample::select(vec![
        "births", "policy_births", "rate", "has_plan", "1", "0", "1e30", "79228162514264337593543950335",
        "0.1", "-", "+", "*", "/", "(", ")", ",", "<", ">=", "==", "and", "or", "not", "if", "then",
        "else", "min", "max", "abs", "sum", "count", "share", "last.births", "mean3.rate", "%", "?",
    ]), 1..16)) {
        let expr = tokens.join(" ");
        let set = text(&fixture("fixtures/invalid/base/set.yaml"))
            .replace("policy_births / births * 100", &expr.replace('"', ""));
        if let Ok(set) = kaohe::load::load_set_str("fuzz.yaml", &set) {
            let ev = kaohe::read::files::read_paths(&[repo().join("fixtures/invalid/ev-short-row.csv")]);
            if let Ok(read) = ev
                && let Ok(ev) = kaohe::bind::bind(&set, read)
            {
                let _ = kaohe::engine::assess(&set, &ev);
            }
        }
    }

    #[test]
    fn values_as_people_write_them(s in "\\PC{0,24}") {
        let _ = kaohe::read::parse_number(&s);
        let _ = kaohe::read::parse_date(&s);
        let _ = kaohe::read::parse_bool(&s);
    }
}
