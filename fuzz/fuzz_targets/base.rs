#![allow(dead_code)]
//! Shared by the evidence and expression targets: the small valid set of `fixtures/invalid/`.
use std::sync::OnceLock;

pub const BASE_SET: &str = include_str!("../../fixtures/invalid/base/set.yaml");

pub fn base_set() -> &'static kaohe::model::IndicatorSet {
    static SET: OnceLock<kaohe::model::IndicatorSet> = OnceLock::new();
    SET.get_or_init(|| match kaohe::load::load_set_str("base.yaml", BASE_SET) {
        Ok(s) => s,
        Err(d) => panic!("the base set must load: {d}"),
    })
}

/// Bind what was read to `set` and, when it binds, score it.
pub fn bind_and_score(
    set: &kaohe::model::IndicatorSet,
    read: kaohe::read::ReadEvidence,
    problems: Vec<kaohe::diag::Diagnostic>,
) {
    if let Ok(ev) = kaohe::bind::bind_partial(set, read, problems) {
        let _ = kaohe::engine::assess(set, &ev);
    }
}
