//! Workbooks (.xlsx, .xls, .ods: calamine picks by content): read, bind and score.
#![no_main]
mod base;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut read = kaohe::read::ReadEvidence::default();
    let mut problems = Vec::new();
    kaohe::read::workbook::read_workbook("fuzz.xlsx", data, &mut read, &mut problems);
    base::bind_and_score(base::base_set(), read, problems);
});
