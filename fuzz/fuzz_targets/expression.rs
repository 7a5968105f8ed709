//! Expressions: the input is the expression of a derived value of the base set; compiled
//! (parse, resolve, type-check) and, when the set loads, evaluated on one unit.
#![no_main]
mod base;

const UNIT: &str = "units:\n  - { id: futian, name: 福田区, values: { births: 1000, policy_births: 960, has_plan: 是, rate: 90 } }\n";

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let expr = String::from_utf8_lossy(data);
    if expr.contains(['\n', '"', '\\']) {
        return;
    }
    let text = base::BASE_SET.replace("policy_births / births * 100", &expr);
    let Ok(set) = kaohe::load::load_set_str("fuzz.yaml", &text) else {
        return;
    };
    let mut read = kaohe::read::ReadEvidence::default();
    let mut problems = Vec::new();
    kaohe::read::yaml::read_yaml("unit.yaml", UNIT, &mut read, &mut problems);
    base::bind_and_score(&set, read, problems);
});
