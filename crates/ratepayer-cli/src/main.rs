//! The `ratepayer` binary: the back-office command line (see the library
//! `ratepayer_cli` for the commands).

fn main() -> std::process::ExitCode {
    ratepayer_cli::run()
}
