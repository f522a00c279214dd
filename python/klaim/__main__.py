"""`python -m klaim ...` and the `klaim` console script: the Rust CLI, in-process."""
import sys

from ._klaim import run_cli


def main() -> int:
    return run_cli(["klaim", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
