//! The title registry: read (YAML), and when it reads, append nothing and read it back.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(r) = kaohe::title::load_registry_str("fuzz.yaml", &text) {
        let _ = r.append("fuzz", &[]);
    }
});
