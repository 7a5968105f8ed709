//! Evidence CSV: decode, read the table, bind to the base set and score.
#![no_main]
mod base;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut read = kaohe::read::ReadEvidence::default();
    let mut problems = Vec::new();
    kaohe::read::csv::read_csv(
        "fuzz.csv",
        data,
        kaohe::read::csv::TextEncoding::Auto,
        &mut read,
        &mut problems,
    );
    base::bind_and_score(base::base_set(), read, problems);
});
