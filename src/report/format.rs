//! Numbers and file names as the reports write them, shared by the writer, the view models
//! and the charts.

use rust_decimal::Decimal;

/// `part / whole` as a percentage, or `None` when `whole` is zero.
pub(crate) fn percent(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole.is_zero() {
        None
    } else {
        part.checked_mul(Decimal::ONE_HUNDRED)?.checked_div(whole)
    }
}

/// A percentage with one decimal, e.g. `94.5%`.
pub(crate) fn show_pct(p: Decimal) -> String {
    format!("{}%", crate::num::show_dp(p, 1))
}

/// File name of a unit's report (`units/<name>`): [`unit_file_stem`] and `.html`.
pub fn unit_file_name(id: &str) -> String {
    let mut name = unit_file_stem(id);
    name.push_str(".html");
    name
}

/// Longest stem [`unit_file_stem`] writes: with the longest suffix kaohe adds
/// (`-self-assessment.html`, 21 bytes) a name stays within the 255 bytes file systems allow.
pub const MAX_STEM: usize = 200;

/// The stem of a unit's file names: lowercase ASCII letters, digits and `-` are kept; every
/// other byte (capitals, `_`, `.`, `/`, CJK…) is written `_xx` in hex, so distinct ids give
/// distinct names even on case-insensitive file systems, and no id can name a path (`..`,
/// `/`). Windows device names get a trailing `_`; an empty id is `_`. A stem longer than
/// [`MAX_STEM`] bytes is cut and ends with `~` and 16 hex digits of the id's SHA-256, so it
/// stays distinct.
pub fn unit_file_stem(id: &str) -> String {
    let mut stem = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' {
            stem.push(char::from(b));
        } else {
            stem.push_str(&format!("_{b:02x}"));
        }
    }
    if stem.is_empty() {
        stem.push('_');
    }
    const RESERVED: [&str; 22] = [
        "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
        "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
    ];
    if RESERVED.contains(&stem.as_str()) {
        stem.push('_');
    }
    if stem.len() > MAX_STEM {
        use sha2::Digest as _;
        let hash = sha2::Sha256::digest(id.as_bytes());
        // The stem is ASCII: any byte index is a character boundary.
        stem.truncate(MAX_STEM - 17);
        stem.push('~');
        for b in &hash[..8] {
            stem.push_str(&format!("{b:02x}"));
        }
    }
    stem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_plain_names_within_the_limit_and_distinct() {
        assert_eq!(unit_file_stem("futian"), "futian");
        assert_eq!(unit_file_stem(".."), "_2e_2e");
        assert_eq!(unit_file_stem("/etc"), "_2fetc");
        assert_eq!(unit_file_stem(""), "_");
        assert_eq!(unit_file_stem("con"), "con_");
        let long = "a".repeat(300);
        let other = format!("{}b", "a".repeat(299));
        let (s, t) = (unit_file_stem(&long), unit_file_stem(&other));
        assert!(s.len() <= MAX_STEM && t.len() <= MAX_STEM);
        assert_ne!(s, t);
        assert!(unit_file_stem(&"深".repeat(30)).len() <= MAX_STEM);
        assert!(format!("{s}-self-assessment.html").len() <= 255);
    }
}
