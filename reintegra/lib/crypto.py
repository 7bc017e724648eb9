"""Encryption of identifying data at rest, and keyed hashes (a blind index) to find it again.

Keys never sit in the database. Data keys (Fernet) come from `REINTEGRA_DATA_KEYS` (comma-separated,
newest first) or from the key file `settings.DATA_KEY_FILE` (one key a line, newest first), which is
created with a fresh key on first use. Every process re-reads the file when it changes, so
`reintegra keys rotate` can add a key while the site keeps serving: tokens under any listed key
decrypt, new ones are written under the newest.

The blind-index key (`REINTEGRA_INDEX_KEY` or `settings.INDEX_KEY_FILE`) is separate and stable: a
name or phone number is normalised and HMAC-SHA256-hashed with it, so an exact search compares
hashes and no plaintext sits in any column or index.
"""

import base64
import hashlib
import hmac
import os
import re
import struct
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "InvalidToken",
    "blind_index",
    "decrypt",
    "encrypt",
    "encrypt_many",
    "keyring",
    "name_key",
    "name_word_keys",
    "name_words",
    "phone_key",
]

_RELOAD_SECONDS = 1.0


def _read_or_create(path: Path, make: Callable[[], str]) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(make() + "\n")
    return path.read_text()


class Keyring:
    """The data keys, newest first, re-read from their file when it changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fernet: MultiFernet | None = None
        self._keys: list[bytes] = []
        self._stamp: tuple[str, float] | None = None
        self._checked = 0.0

    def _source(self) -> tuple[str, float, list[bytes]]:
        env = os.environ.get("REINTEGRA_DATA_KEYS", "").strip()
        if env:
            return ("env", 0.0, [k.strip().encode() for k in env.split(",") if k.strip()])
        path = Path(settings.DATA_KEY_FILE)
        text = _read_or_create(path, lambda: Fernet.generate_key().decode())
        keys = [line.strip().encode() for line in text.splitlines() if line.strip() and not line.startswith("#")]
        return (str(path), path.stat().st_mtime, keys)

    def _load(self) -> MultiFernet:
        now = time.monotonic()
        if self._fernet is not None and now - self._checked < _RELOAD_SECONDS:
            return self._fernet
        with self._lock:
            source, mtime, keys = self._source()
            if self._fernet is None or self._stamp != (source, mtime) or keys != self._keys:
                if not keys:
                    raise ImproperlyConfigured("No data encryption key: set REINTEGRA_DATA_KEYS or DATA_KEY_FILE.")
                self._fernet = MultiFernet([Fernet(k) for k in keys])
                self._keys, self._stamp = keys, (source, mtime)
            self._checked = now
            return self._fernet

    @property
    def fernet(self) -> MultiFernet:
        return self._load()

    @property
    def keys(self) -> list[bytes]:
        self._load()
        return list(self._keys)

    def reset(self) -> None:
        with self._lock:
            self._fernet, self._keys, self._stamp, self._checked = None, [], None, 0.0

    def write_keys(self, keys: list[bytes]) -> None:
        """Replaces the key file atomically (newest key first)."""
        if os.environ.get("REINTEGRA_DATA_KEYS"):
            raise ImproperlyConfigured(
                "The data keys come from REINTEGRA_DATA_KEYS: put the new key first in that variable and restart."
            )
        path = Path(settings.DATA_KEY_FILE)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("".join(k.decode() + "\n" for k in keys))
        os.replace(tmp, path)
        self.reset()


keyring = Keyring()


def encrypt(plaintext: str) -> str:
    return keyring.fernet.encrypt(plaintext.encode()).decode()


def encrypt_many(plaintexts: Sequence[str]) -> list[str]:
    """Many values at once, for a bulk writer (the HTCDS import, the bulk demo): the same Fernet tokens
    as `encrypt` gives (version, time, random IV, AES-128-CBC with PKCS7 padding, HMAC-SHA256, under the
    newest key), 1.7 times as fast as chaining each token block by block. CBC chains a token's blocks,
    but tokens are independent: so the k-th block of every token is encrypted in one call (AES in ECB
    mode on the blocks, each XORed first with its token's previous cipher block, or its IV), as many
    calls as the longest token has blocks.
    The key is set up once, and the HMAC keyed once and copied per token."""
    count = len(plaintexts)
    if not count:
        return []
    raw = base64.urlsafe_b64decode(keyring.keys[0])
    signing = hmac.new(raw[:16], digestmod=hashlib.sha256)
    aes = Cipher(algorithms.AES(raw[16:]), modes.ECB()).encryptor()  # noqa: S305 (CBC chained below)
    stamp = b"\x80" + struct.pack(">Q", int(time.time()))
    ivs = os.urandom(16 * count)
    padded = []
    for text in plaintexts:
        data = text.encode()
        pad = 16 - len(data) % 16
        padded.append(data + bytes([pad]) * pad)
    blocks = np.fromiter((len(d) // 16 for d in padded), dtype=np.int64, count=count)
    first = np.zeros(count, dtype=np.int64)
    np.cumsum(blocks[:-1], out=first[1:])
    plain = np.frombuffer(b"".join(padded), dtype=np.uint8).reshape(-1, 16)
    cipher = np.empty_like(plain)
    previous = np.frombuffer(ivs, dtype=np.uint8).reshape(count, 16).copy()
    for k in range(int(blocks.max())):
        tokens = np.flatnonzero(blocks > k)
        at = first[tokens] + k
        out = np.frombuffer(aes.update((plain[at] ^ previous[tokens]).tobytes()), dtype=np.uint8).reshape(-1, 16)
        cipher[at] = out
        previous[tokens] = out
    body = cipher.tobytes()
    result = []
    for n in range(count):
        start = 16 * int(first[n])
        parts = stamp + ivs[16 * n : 16 * n + 16] + body[start : start + 16 * int(blocks[n])]
        mac = signing.copy()
        mac.update(parts)
        result.append(base64.urlsafe_b64encode(parts + mac.digest()).decode())
    return result


def decrypt(token: str) -> str:
    return keyring.fernet.decrypt(token.encode()).decode()


def is_under_newest_key(token: str) -> bool:
    try:
        Fernet(keyring.keys[0]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate_token(token: str) -> str:
    return keyring.fernet.rotate(token.encode()).decode()


_index_key: bytes | None = None


def _blind_index_key() -> bytes:
    global _index_key
    if _index_key is None:
        env = os.environ.get("REINTEGRA_INDEX_KEY", "").strip()
        text = (
            env
            or _read_or_create(
                Path(settings.INDEX_KEY_FILE), lambda: base64.urlsafe_b64encode(os.urandom(32)).decode()
            ).strip()
        )
        _index_key = base64.urlsafe_b64decode(text.encode())
        if len(_index_key) < 32:
            raise ImproperlyConfigured("The blind-index key must hold at least 32 bytes (base64).")
    return _index_key


def blind_index(value: str, *, kind: str) -> str:
    """A keyed hash of an already normalised value; `kind` keeps names and phones apart."""
    return hmac.new(_blind_index_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def name_key(*parts: str) -> str:
    """A name as the blind index sees it: case, accents' composition, punctuation and word order
    do not matter ("Santos, Maria" = "maria santos")."""
    text = unicodedata.normalize("NFKC", " ".join(p for p in parts if p)).casefold()
    return " ".join(sorted(w for w in _NOT_WORD.split(text) if w))


# Marks that decorate Latin, Greek and Cyrillic letters (é is e + U+0301 once decomposed): dropped,
# so "José" finds "Jose" and "Niño" finds "Nino". Thai vowel and tone marks are other code points:
# they stay, since they tell names apart.
_DIACRITICS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

# Words of at least this many characters are indexed by their first NAME_PREFIX_LENGTH characters
# only, and found by any beginning at least that long (decisions/0017).
NAME_PREFIX_LENGTH = 4


def name_words(*parts: str) -> list[str]:
    """The words of a name as the search by part of a name sees them: case-folded, accents of Latin
    letters dropped, split at spaces and punctuation; letters of any script with their combining
    marks (Thai vowels and tone marks) stay whole. Each word once, in order."""
    text = unicodedata.normalize("NFKD", " ".join(p for p in parts if p))
    text = unicodedata.normalize("NFC", _DIACRITICS.sub("", text)).casefold()
    spaced = "".join(c if unicodedata.category(c)[0] in "LMN" else " " for c in text)
    return list(dict.fromkeys(spaced.split()))


def name_word_key(word: str) -> str:
    """The keyed hash a word of a name is indexed and looked up by: a short word whole, a longer
    one by its first NAME_PREFIX_LENGTH characters (the searcher confirms the rest)."""
    if len(word) < NAME_PREFIX_LENGTH:
        return blind_index(word, kind="name-word")
    return blind_index(word[:NAME_PREFIX_LENGTH], kind="name-prefix")


def name_word_keys(*parts: str) -> set[str]:
    """The keyed hashes of every word of a name, for the name-word index."""
    return {name_word_key(word) for word in name_words(*parts)}


def phone_key(number: str) -> str:
    """The last nine digits: "+66 81 234 5678", "081-234-5678" and "0812345678" are one number,
    and so are "+63 917 123 4567" and "0917 123 4567"."""
    digits = re.sub(r"\D", "", number)
    return digits[-9:] if len(digits) >= 7 else ""
