"""API keys: only hashes are kept, a key finds its owner, bad files are refused by line,
`prolight keys new` prints the key once; `list` shows fingerprints only, `revoke` and `rotate`
rewrite the file atomically keeping its mode and comments; a live ring follows the file and
keeps its last good keys when the file breaks."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prolight.platform.api_keys import (
    KEY_PREFIX,
    KeyFileError,
    KeyRing,
    LiveKeyRing,
    add_key,
    key_hash,
    list_keys,
    revoke_keys,
    rotate_key,
)
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


def test_list_shows_owners_and_fingerprints_never_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    ana, ben = add_key(path, "ana"), add_key(path, "ben")
    result = CliRunner().invoke(app, ["keys", "list", "--file", str(path)])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"ana\tsha256:{key_hash(ana)[:12]}",
        f"ben\tsha256:{key_hash(ben)[:12]}",
    ]
    assert ana not in result.output
    assert key_hash(ana) not in result.output  # only the start of the hash


def test_revoke_by_owner_or_fingerprint_keeps_comments_and_mode(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text("# studio staff\n")
    path.chmod(0o640)
    ana1, ana2, ben = add_key(path, "ana"), add_key(path, "ana"), add_key(path, "ben")
    inode = path.stat().st_ino

    removed = revoke_keys(path, "ana")

    assert [k.owner for k in removed] == ["ana", "ana"]
    assert path.read_text() == f"# studio staff\nben {key_hash(ben)}\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # kept, not reset
    assert path.stat().st_ino != inode  # a new file put in place: never seen half-written
    assert [p.name for p in tmp_path.iterdir()] == ["keys"]  # no temporary file left
    assert KeyRing.parse(path.read_text(), path).owner_of(ana1) is None
    assert KeyRing.parse(path.read_text(), path).owner_of(ana2) is None

    [listed] = list_keys(path)
    result = CliRunner().invoke(app, ["keys", "revoke", listed.fingerprint, "--file", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"revoked\tben\t{listed.fingerprint}\n"
    assert "no keys" in result.stderr  # the last key: the gateway now refuses everyone
    assert list_keys(path) == []


@pytest.mark.parametrize(
    ("who", "message"),
    [
        pytest.param("cy", "no key in .* belongs to 'cy'", id="unknown-owner"),
        pytest.param("sha256:ffffffffffff", "belongs to 'sha256:ffffffffffff'", id="unknown-key"),
        pytest.param("sha256:ab", "is not a fingerprint", id="too-short"),
    ],
)
def test_revoke_refuses_what_names_no_key(tmp_path: Path, who: str, message: str) -> None:
    path = tmp_path / "keys"
    add_key(path, "ana")
    before = path.read_text()
    with pytest.raises(KeyFileError, match=message):
        revoke_keys(path, who)
    assert path.read_text() == before
    result = CliRunner().invoke(app, ["keys", "revoke", who, "--file", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")


def test_rotate_issues_a_new_key_and_removes_the_old_ones(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    old, ben = add_key(path, "ana"), add_key(path, "ben")
    result = CliRunner().invoke(app, ["keys", "rotate", "ana", "--file", str(path)])

    assert result.exit_code == 0, result.output
    new = result.stdout.strip()
    ring = KeyRing.load(path)
    assert (ring.owner_of(new), ring.owner_of(old), ring.owner_of(ben)) == ("ana", None, "ben")
    assert new not in path.read_text()
    assert new not in result.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(KeyFileError, match="has no key"):
        rotate_key(path, "cy")


def test_a_live_ring_follows_the_file_and_keeps_the_last_good_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    ana = add_key(path, "ana")
    live = LiveKeyRing(path)
    assert live.owner_of(ana) == "ana"
    assert not live.refresh()  # unchanged: one stat, no read

    ben = add_key(path, "ben")
    assert live.owner_of(ben) == "ben"

    good = path.read_text()
    path.write_text(good + "garbage\n")
    assert live.owner_of(ben) == "ben"  # malformed: the last good ring stays
    path.unlink()
    assert live.owner_of(ana) == "ana"  # gone: likewise
    path.write_text(good)
    revoke_keys(path, "ana")
    assert live.owner_of(ana) is None
    assert live.owner_of(ben) == "ben"


def test_a_live_ring_starts_only_on_a_usable_file(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text("# no keys yet\n")
    with pytest.raises(KeyFileError, match="holds no keys"):
        LiveKeyRing(path)
