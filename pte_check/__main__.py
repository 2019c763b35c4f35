"""`python -m pte_check` runs the command line."""

from pte_check.cli import main

main()
