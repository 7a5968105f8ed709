//! The decision policy (YAML): parse and validate.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = kaohe::decide::policy::load_policy_str("fuzz.yaml", &text);
});
