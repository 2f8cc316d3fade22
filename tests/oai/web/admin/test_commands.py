"""`oai admin hash-password` prints a hash that the login accepts."""

from __future__ import annotations

from click.testing import CliRunner
from werkzeug.security import check_password_hash

from oai.cli import main


def test_hash_password_makes_a_checkable_hash() -> None:
    result = CliRunner().invoke(
        main, ["admin", "hash-password"], input="s3cret-pass\ns3cret-pass\n"
    )
    assert result.exit_code == 0, result.output
    digest = result.output.strip().splitlines()[-1]
    assert check_password_hash(digest, "s3cret-pass")
    assert not check_password_hash(digest, "other")


def test_short_passwords_are_refused() -> None:
    result = CliRunner().invoke(main, ["admin", "hash-password", "--password", "short"])
    assert result.exit_code != 0
    assert "at least 8" in result.output
