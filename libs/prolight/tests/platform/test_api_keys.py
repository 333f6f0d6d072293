"""API keys: only hashes are kept, a key finds its owner, bad files are refused by line, and
`prolight keys new` prints the key once."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prolight.platform.api_keys import KEY_PREFIX, KeyFileError, KeyRing, add_key, key_hash
from prolight_tools.cli import app


def test_the_file_keeps_hashes_and_each_key_finds_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    ana, ben = add_key(path, "ana"), add_key(path, "ben@studio")

    text = path.read_text()
    assert ana not in text
    assert ben not in text
    assert f"ana {key_hash(ana)}" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    ring = KeyRing.load(path)
    assert ring.owner_of(ana) == "ana"
    assert ring.owner_of(ben) == "ben@studio"
    assert ring.owner_of(ana + "x") is None
    assert ana.startswith(KEY_PREFIX)
    assert ana != ben


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("ana deadbeef\n", r":1: expected 'OWNER SHA256-HEX'"),
        (f"# staff\n\n{'a' * 64}\n", r":3: expected 'OWNER SHA256-HEX'"),
        (f"anonymous {'a' * 64}\n", r":1: 'anonymous' is reserved"),
        ("# nothing yet\n", r"holds no keys"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_line(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "keys"
    path.write_text(content)
    with pytest.raises(KeyFileError, match=message):
        KeyRing.load(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="cannot read the API keys file"):
        KeyRing.load(tmp_path / "absent")


def test_keys_new_prints_the_key_once_and_stores_its_hash(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    result = CliRunner().invoke(app, ["keys", "new", "ana", "--file", str(path)])

    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert KeyRing.load(path).owner_of(key) == "ana"
    assert key not in result.stderr


def test_keys_new_refuses_a_reserved_or_odd_owner(tmp_path: Path) -> None:
    for owner in ("anonymous", "has space", ""):
        result = CliRunner().invoke(app, ["keys", "new", owner, "--file", str(tmp_path / "k")])
        assert result.exit_code == 2
        assert "error:" in result.stderr
    assert not (tmp_path / "k").exists()
