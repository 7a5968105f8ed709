//! Evidence YAML: read, bind to the base set and score.
#![no_main]
mod base;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut read = kaohe::read::ReadEvidence::default();
    let mut problems = Vec::new();
    kaohe::read::yaml::read_yaml("fuzz.yaml", &text, &mut read, &mut problems);
    base::bind_and_score(base::base_set(), read, problems);
});
