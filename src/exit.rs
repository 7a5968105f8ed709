//! How the process ends: its exit codes, and printing to stdout that ends quietly when the
//! reader has gone away.
//!
//! Exit codes: 0 success; 1 rule test cases failed; 2 command-line usage error (clap);
//! 65 invalid input (every error printed on stderr, nothing written); 70 internal failure.

pub const EXIT_TESTS_FAILED: u8 = 1;
pub const EXIT_INVALID_INPUT: u8 = 65;
pub const EXIT_INTERNAL: u8 = 70;

/// Said on stderr when another run holds the output folder's lock.
pub fn waiting_for(dir: &std::path::Path) {
    eprintln!(
        "另一个 kaohe 正在写入 {}:等待它写完(waiting for another kaohe run writing into this folder)",
        dir.display()
    );
}

/// Print to stdout; when the reader has gone away (`kaohe assess | head`), stop quietly
/// instead of panicking on the broken pipe.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = write!(std::io::stdout().lock(), $($arg)*) {
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
