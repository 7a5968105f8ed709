//! The indicator-set YAML: parse, validate and compile.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = kaohe::load::load_set_str("fuzz.yaml", &text);
});
