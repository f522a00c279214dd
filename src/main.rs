fn main() {
    std::process::exit(klaim::cli::run(std::env::args_os()));
}
