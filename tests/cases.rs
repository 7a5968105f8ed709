//! Every shipped rule test case (`tests/cases/**/*.yaml`) passes.

use crate::support::repo;

#[test]
fn shipped_rule_cases_pass() {
    let files = kaohe::testcase::case_files(&repo().join("tests/cases"));
    assert!(!files.is_empty());
    let mut failures = Vec::new();
    let mut n = 0;
    for f in files {
        let outcomes = kaohe::testcase::run_file(&f).unwrap_or_else(|d| panic!("{d}"));
        for o in outcomes {
            n += 1;
            if !o.failures.is_empty() {
                failures.push(format!(
                    "{} :: {}\n  {}",
                    o.file,
                    o.name,
                    o.failures.join("\n  ")
                ));
            }
        }
    }
    assert!(n >= 50, "expected the shipped cases, found {n}");
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
