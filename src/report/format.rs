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

/// The stem of a unit's file names, readable and safe: lowercase ASCII letters, digits, `-`,
/// `_`, `.` (not first) and letters and digits of other scripts that are not capitals (`福田`)
/// are kept; every other byte (capitals, `/`, spaces, controls, `~` …) is written `~xx` in
/// hex, so distinct ids give distinct names even on case-insensitive file systems, and no id
/// can name a path (`..`, `/`). Windows device names get a trailing `~`; an empty id is `~`. A
/// stem of [`MAX_STEM`] bytes or more is cut (at a character boundary) and ends with `~` and 16
/// hex digits of the id's SHA-256, exactly [`MAX_STEM`] bytes, so it stays distinct.
pub fn unit_file_stem(id: &str) -> String {
    let mut stem = String::with_capacity(id.len());
    for (i, c) in id.char_indices() {
        let keep = c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || matches!(c, '-' | '_')
            || (c == '.' && i > 0)
            || (!c.is_ascii() && c.is_alphanumeric() && !c.is_uppercase());
        if keep {
            stem.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                stem.push_str(&format!("~{b:02x}"));
            }
        }
    }
    if stem.is_empty() {
        stem.push('~');
    }
    const RESERVED: [&str; 22] = [
        "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
        "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
    ];
    if RESERVED.contains(&stem.split('.').next().unwrap_or_default()) {
        stem.push('~');
    }
    if stem.len() >= MAX_STEM {
        use sha2::Digest as _;
        let hash = sha2::Sha256::digest(id.as_bytes());
        let mut end = MAX_STEM - 17;
        while !stem.is_char_boundary(end) {
            end -= 1;
        }
        stem.truncate(end);
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
        assert_eq!(unit_file_stem("ft_yuanling"), "ft_yuanling");
        assert_eq!(unit_file_stem("福田"), "福田");
        assert_eq!(unit_file_stem(".."), "~2e.");
        assert_eq!(unit_file_stem("/etc"), "~2fetc");
        assert_eq!(unit_file_stem(""), "~");
        assert_eq!(unit_file_stem("con"), "con~");
        assert_eq!(unit_file_stem("con.x"), "con.x~");
        let long = "a".repeat(300);
        let other = format!("{}b", "a".repeat(299));
        let (s, t) = (unit_file_stem(&long), unit_file_stem(&other));
        assert!(s.len() <= MAX_STEM && t.len() <= MAX_STEM);
        assert_ne!(s, t);
        assert!(unit_file_stem(&"深".repeat(30)).len() <= MAX_STEM);
        let cjk = unit_file_stem(&"深".repeat(100));
        assert!(cjk.len() <= MAX_STEM && cjk.starts_with("深深"), "{cjk}");
        // A stem just under the limit is kept whole; one at the limit is cut and hashed: a
        // cut stem is exactly MAX_STEM bytes, so it never equals a whole one.
        assert_eq!(
            unit_file_stem(&"a".repeat(MAX_STEM - 1)).len(),
            MAX_STEM - 1
        );
        assert_eq!(unit_file_stem(&"a".repeat(MAX_STEM)).len(), MAX_STEM);
        assert!(format!("{s}-self-assessment.html").len() <= 255);
    }
}
