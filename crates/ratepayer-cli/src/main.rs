//! The `ratepayer` binary: the back-office command line (see the library
//! `ratepayer_cli` for the commands).

/// mimalloc: `autopay run` allocates and frees many short strings and
/// buffers a batch, where glibc's malloc cost a runner 40 % of its CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ratepayer_cli::run()
}
