"""`python -m oai` runs the `oai` command."""

from oai.cli import main

main()
