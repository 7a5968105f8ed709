//! `fixtures/invalid/`: each bad input pinned to its errors by a snapshot.
//! `set-*.yaml` are indicator sets; `ev-*` are evidence checked against `base/set.yaml`.

use crate::support::repo;

fn relative(text: &str) -> String {
    let root = format!("{}/", repo().display());
    text.replace(&root, "")
}

#[test]
fn every_invalid_fixture_is_pinned_to_its_errors() {
    let dir = repo().join("fixtures/invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/invalid")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 12);
    let base = kaohe::load::load_set_file(&dir.join("base/set.yaml")).expect("base set is valid");
    for f in files {
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let errors = if name.starts_with("set-") {
            match kaohe::load::load_set_file(&f) {
                Ok(_) => panic!("{name} should be rejected"),
                Err(d) => d,
            }
        } else {
            let (read, problems) = kaohe::read::files::read_paths_partial(std::slice::from_ref(&f));
            match kaohe::bind::bind_partial(&base, read, problems) {
                Ok(_) => panic!("{name} should be rejected"),
                Err(d) => d,
            }
        };
        let text = relative(&errors.to_string());
        insta::assert_snapshot!(name.replace('.', "_"), text);
    }
}

#[test]
fn a_file_with_many_errors_reports_them_all_with_positions() {
    let f = repo().join("fixtures/invalid/set-many-errors.yaml");
    let d = kaohe::load::load_set_file(&f).expect_err("invalid");
    // Header (`scale`), the field type, and three broken indicators.
    assert!(d.len() >= 5, "{d}");
    assert!(
        d.iter()
            .all(|x| matches!(x.place, kaohe::diag::Place::Text { line, .. } if line > 0))
    );
}
