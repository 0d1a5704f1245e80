"""`python -m zonemap`: the console script."""

from .entry import main

main()
