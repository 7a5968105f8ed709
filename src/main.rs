//! The `kaohe` binary: a thin wrapper around [`kaohe::cli`].
fn main() -> std::process::ExitCode {
    kaohe::cli::main()
}
