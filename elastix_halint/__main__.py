"""`python -m elastix_halint` is the same as the `halint` console script."""

from elastix_halint.cli import main

if __name__ == "__main__":
    main()
