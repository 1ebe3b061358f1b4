"""`python -m pulse`: the `pulse` command."""

from pulse.cli import main

if __name__ == "__main__":
    main()
