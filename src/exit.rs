//! How the process ends: its exit codes, and printing to stdout that ends quietly when the
//! reader has gone away.
//!
//! Exit codes: 0 success; 1 rule test cases failed (or `lint --strict` found problems); 2 command-line usage error (clap);
//! 65 invalid input (every error printed on stderr, nothing written); 70 internal failure.

pub const EXIT_TESTS_FAILED: u8 = 1;
/// `kaohe lint --strict` found problems.
pub const EXIT_LINT_FINDINGS: u8 = 1;
pub const EXIT_INVALID_INPUT: u8 = 65;
pub const EXIT_INTERNAL: u8 = 70;

/// Said on stderr when another run holds the output folder's lock.
pub fn waiting_for(dir: &std::path::Path) {
    eprintln!(
        "另一个 kaohe 正在写入 {}:等待它写完(waiting for another kaohe run writing into this folder)",
        dir.display()
    );
}

/// `text` safe to print on a terminal: control characters other than newline and tab (the
/// escape that starts an ANSI sequence, carriage return, backspace, C1 controls) and the
/// bidirectional overrides are written as visible `\uXXXX` escapes, so a name in the input
/// cannot move the cursor, recolour, clear or reorder what is shown. The escapes are JSON's
/// own, so JSON printed to stdout stays valid.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{:04X}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Print to stdout, through [`printable`]; when the reader has gone away (`kaohe assess |
/// head`), stop quietly instead of panicking on the broken pipe.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        if let Err(e) = std::io::stdout()
            .lock()
            .write_all($crate::exit::printable(&text).as_bytes())
        {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

/// [`out!`] with a newline.
#[macro_export]
macro_rules! outln {
    () => { $crate::out!("\n") };
    ($($arg:tt)*) => {{
        $crate::out!($($arg)*);
        $crate::out!("\n");
    }};
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn terminal_text_has_no_escapes() {
        assert_eq!(printable("福田区\n\t1"), "福田区\n\t1");
        assert_eq!(
            printable("a\u{1b}[31mred\u{1b}[0m\r\u{202E}"),
            "a\\u001B[31mred\\u001B[0m\\u000D\\u202E"
        );
        let json = format!("\"{}\"", printable("x\u{202E}y"));
        assert_eq!(
            serde_json::from_str::<String>(&json).ok().as_deref(),
            Some("x\u{202E}y")
        );
    }
}
