"""Run one harvest in a process of its own, for the SIGKILL tests: `... URL DIR [WORKERS]`."""

from __future__ import annotations

import sys
from pathlib import Path

from oai.harvest import run_harvest
from tests.oai.harvest.conftest import make_hub


def main(url: str, data_dir: str, workers: int = 0) -> int:
    with make_hub(url, Path(data_dir), settings={"harvest.workers": workers}) as hub:
        result = run_harvest(hub, "partner")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0))
