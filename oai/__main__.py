"""`python -m oai` runs the `oai` command."""

from oai.cli import main

if __name__ == "__main__":
    main()
