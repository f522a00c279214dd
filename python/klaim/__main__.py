"""`python -m klaim ...` and the `klaim` console script: the Rust CLI, in-process."""
import signal
import sys

from ._klaim import run_cli


def main() -> int:
    # Python's own Ctrl-C handler only sets a flag that nobody reads while the
    # Rust CLI runs, so `klaim train` would finish and write its model anyway.
    # With the default handler restored, Ctrl-C acts as in the cargo binary:
    # training dies at once, leaving any existing model as it was, and
    # `classify` installs its own handler and ends on a complete record.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    return run_cli(["klaim", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
