"""Every bad node.toml is refused with one error that names the key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from node.config import check_environment, load_config, parse_config, token_sha256
from node.errors import ConfigError

HEAD = '[node]\norgan_id = "000.00.00.H41"\n'
PEER = """
[tls]
cert = "c.pem"
key = "k.pem"
ca = "ca.pem"
[trust]
dir = "trust"
[[peers]]
name = "a"
url = "https://a.example/"
organ_id = "000.00.00.G22"
certificate = "a.pem"
"""
DMS = f"""
[[organs]]
id = "000.00.00.H41"
signing = "dms"
[trust]
dir = "trust"
[[dms]]
id = "d"
organs = ["000.00.00.H41"]
token_sha256 = "{token_sha256("t")}"
"""

CASES = [
    ("[nod]\n", "nod: unknown key"),
    (HEAD + "colour = 1\n", "node.colour: unknown key"),
    ("[node]\nname = 'x'\n", "node.organ_id: required key is missing"),
    ('[node]\norgan_id = "abc"\n', "node.organ_id: organ id 'abc' must be"),
    (HEAD + "hop_limit = 'many'\n", "node.hop_limit: must be an integer"),
    (HEAD + "hop_limit = 0\n", "node.hop_limit: must be at least 1"),
    (HEAD + '[listen]\ndms = "localhost"\n', 'listen.dms: must be "host:port"'),
    (HEAD + '[listen]\ndms = "a:70000"\n', "listen.dms: port 70000 is out of range"),
    (HEAD + '[storage]\nurl = "mysql://x"\n', "storage.url: must be"),
    (HEAD + '[retry]\ninitial = "5 seconds"\n', "retry.initial: must be a duration like"),
    (HEAD + "[retry]\ninitial = 5\n", "retry.initial: must be a string"),
    (HEAD + '[retry]\nmax_age = "0s"\n', "retry.max_age: must be greater than zero"),
    (HEAD + "[retry]\njitter = 1\n", "retry.jitter: must be at least 0 and below 1"),
    (
        HEAD + '[retry]\ninitial = "1h"\nmax_interval = "1m"\n',
        "retry.max_interval: must be at least retry.initial",
    ),
    (HEAD + "[deadlines]\naccept_workdays = 0\n", "deadlines.accept_workdays: must be at least 1"),
    (
        HEAD + DMS.replace("[[dms]]", '[[organs]]\nid = "000.00.00.G22"\nsigning = "dms"\n[[dms]]'),
        "organs[1].id: no [[dms]] entry serves 000.00.00.G22",
    ),
    (
        HEAD + DMS.replace('signing = "dms"', 'cert = "c.pem"'),
        'organs[0].key: required when signing = "node" (or an [organs.pkcs11] table)',
    ),
    (
        HEAD
        + DMS.replace(
            'signing = "dms"',
            'cert = "c.pem"\nkey = "k.pem"\n[organs.pkcs11]\n'
            'module = "/usr/lib/softhsm/libsofthsm2.so"\ntoken_label = "t"\n'
            'key_label = "k"\npin_env = "PIN"',
        ),
        "organs[0].pkcs11: give a key file or a PKCS#11 key, not both",
    ),
    (HEAD + DMS + 'webhook_ca = "ca.pem"\n', 'dms[0].webhook_ca: not used when delivery = "pull"'),
    (
        HEAD + PEER + '[[peers]]\nname = "b"\nurl = "https://b/"\norgan_id = "000.00.00.G23"\n'
        'certificate = "b.pem"\n[[routes]]\npattern = "*.*.*.G22"\npeer = "a"\n'
        '[[routes]]\npattern = "000.*.*.*"\npeer = "b"\n',
        "routes: ambiguous routes",
    ),
    (HEAD + '[trust]\nrevocation = "maybe"\n', 'trust.revocation: must be one of "hard-fail"'),
    (HEAD + '[calendar]\nholidays = ["2026-02-30"]\n', "calendar.holidays[0]: must be a date"),
    (
        HEAD + "[[calendar.years]]\nyear = 2027\nworkdays = [2026-11-28]\n",
        "calendar: years[0].workdays[0]: 2026-11-28 is not in 2027",
    ),
    (
        HEAD + "[[calendar.years]]\nyear = 2026\n[[calendar.years]]\nyear = 2026\n",
        "calendar: years[1]: year 2026 has a table already",
    ),
    (
        HEAD + "[calendar]\nholidays = [2026-11-28]\nworkdays = [2026-11-28]\n",
        "calendar: 2026-11-28 is both a holiday and a make-up working day",
    ),
    (HEAD + "[[calendar.years]]\nholidays = []\n", "calendar.years[0].year: required key"),
    (HEAD + '[log]\nformat = "xml"\n', 'log.format: must be one of "json" | "text"'),
    (
        HEAD + PEER.replace("https://a.example/", "http://a.example/"),
        "peers[0].url: must be an https:// URL",
    ),
    (
        HEAD + PEER + '[[peers]]\nname = "b"\nurl = "ftp://b"\norgan_id = "000.00.00.G23"\n'
        'certificate = "b.pem"\n',
        "peers[1].url: must be an https:// URL",
    ),
    (
        HEAD + PEER + '[[peers]]\nname = "a"\nurl = "https://b/"\norgan_id = "000.00.00.G23"\n'
        'certificate = "b.pem"\n',
        "peers[1].name: 'a' is already used",
    ),
    (
        HEAD + PEER + '[[routes]]\npattern = "*.*.*.G22"\npeer = "nobody"\n',
        "routes[0].peer: unknown peer 'nobody' (peers: a)",
    ),
    (HEAD + PEER + '[[routes]]\npattern = "*.g22"\npeer = "a"\n', "routes[0].pattern: "),
    (HEAD + PEER + '[routing]\ndefault_peer = "z"\n', "routing.default_peer: unknown peer 'z'"),
    (HEAD + PEER.replace("[tls]\ncert", "[tlsx]\ncert"), "tlsx: unknown key"),
    (HEAD + '[listen]\npeer = "127.0.0.1:8443"\n', "tls: required when listen.peer is set"),
    (HEAD + PEER.replace('dir = "trust"', ""), "trust.dir: required when signatures arrive"),
    (HEAD + '[[organs]]\nid = "000.00.00.H41"\n', 'organs[0].cert: required when signing = "node"'),
    (
        HEAD + '[[organs]]\nid = "000.00.00.H41"\nsigning = "dms"\nkey = "k"\n[trust]\ndir = "t"\n',
        'organs[0].key: only used when signing = "node"',
    ),
    (
        HEAD + DMS.replace('organs = ["000.00.00.H41"]', 'organs = ["000.00.00.H41", "x"]'),
        "dms[0].organs[1]: organ id 'x' must be",
    ),
    (
        HEAD + DMS.replace('organs = ["000.00.00.H41"]', 'organs = ["000.00.00.G22"]'),
        "dms[0].organs[0]: 000.00.00.G22 is not declared in [[organs]]",
    ),
    (HEAD + DMS.replace(token_sha256("t"), "secret"), "dms[0].token_sha256: must be the SHA-256"),
    (HEAD + DMS + 'delivery = "webhook"\n', "dms[0].webhook_url: required when delivery"),
    (HEAD + DMS + 'webhook_url = "https://x/"\n', "dms[0].webhook_url: not used when delivery"),
    (HEAD + DMS + 'delivery = "drop-folder"\n', "dms[0].drop_folder: required when delivery"),
    (HEAD + DMS + 'delivery = "fax"\n', 'dms[0].delivery: must be one of "pull"'),
    (
        HEAD + DMS + f'[[dms]]\nid = "e"\norgans = ["000.00.00.H41"]\n'
        f'token_sha256 = "{token_sha256("u")}"\n',
        "dms[1].organs[0]: 000.00.00.H41 is already served by DMS 'd'",
    ),
    (
        HEAD + DMS + f'[[admins]]\nname = "o"\nrole = "operator"\n'
        f'token_sha256 = "{token_sha256("t")}"\n',
        "admins[0].token_sha256: the same token is already used by dms[0]",
    ),
    (
        HEAD + f'[[admins]]\nname = "o"\nrole = "root"\ntoken_sha256 = "{token_sha256("x")}"\n',
        'admins[0].role: must be one of "operator"',
    ),
    (HEAD + "[[dms]]\nid = 3\n", "dms[0].id: must be a string"),
    (HEAD + "dms = 3\n", "node.dms: unknown key"),
    ("dms = 3\n" + HEAD, "dms: must be a list"),
    (HEAD + "[log\n", "node.toml: not valid TOML"),
]


@pytest.mark.parametrize(("text", "message"), CASES, ids=[c[1][:40] for c in CASES])
def test_error_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config(text, tmp_path / "node.toml")


def test_missing_file_is_named_by_its_key(tmp_path: Path) -> None:
    (tmp_path / "trust").mkdir()
    path = tmp_path / "node.toml"
    path.write_text(HEAD + PEER)
    with pytest.raises(ConfigError, match=r"^tls\.cert: file not found: .*c\.pem$"):
        load_config(path)


def test_missing_next_certificate_is_named_by_its_key(tmp_path: Path) -> None:
    (tmp_path / "trust").mkdir()
    for name in ("c.pem", "k.pem", "ca.pem", "a.pem"):
        (tmp_path / name).write_text("x")
    path = tmp_path / "node.toml"
    path.write_text(HEAD + PEER + 'next_certificate = "a-next.pem"\n')
    with pytest.raises(ConfigError, match=r"^peers\[0\]\.next_certificate: file not found"):
        load_config(path)


def test_unreadable_config_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read .*missing\.toml"):
        load_config(tmp_path / "missing.toml")


def test_secret_variables_must_be_set_at_start(tmp_path: Path) -> None:
    text = HEAD + DMS + 'delivery = "webhook"\nwebhook_url = "https://x/"\n'
    text += 'webhook_secret_env = "LT_HOOK_SECRET"\n'
    config = parse_config(text, tmp_path / "node.toml")
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "dms[0].webhook_secret_env: environment variable LT_HOOK_SECRET is not set"
        ),
    ):
        check_environment(config, {})
    check_environment(config, {"LT_HOOK_SECRET": "s3cret"})
