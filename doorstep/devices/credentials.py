"""Device and gateway secrets: generated once, stored only as Mosquitto ``$7$`` hashes.

The format is Mosquitto 2's (``mosquitto_passwd``): ``$7$<iterations>$<b64 salt>$<b64
PBKDF2-HMAC-SHA512>``, so the broker's password file is written straight from the stored
hashes and HTTP ingestion verifies the same hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

#: PBKDF2 rounds of a new hash. The secrets are random (``new_secret``: 144 bits), not
#: passwords people choose, so stretching adds nothing an attacker would notice, while every
#: MQTT CONNECT (Mosquitto checks it on its one thread) and every HTTP gateway post pays it:
#: at 20,000 rounds 750 devices reconnecting after a broker restart held the broker for
#: about 15 s. 101 is ``mosquitto_passwd``'s own default. A stored hash keeps the rounds it
#: was made with (they are part of the ``$7$`` string); rotating a secret rehashes it.
ITERATIONS = 101
SALT_BYTES = 12


def new_secret() -> str:
    """A random secret for a device (shown once at registration)."""
    return secrets.token_urlsafe(18)


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(5)}"


def hash_secret(secret: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", secret.encode(), salt, iterations)
    salt64, digest64 = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"$7${iterations}${salt64}${digest64}"


def verify_secret(secret: str, stored: str) -> bool:
    try:
        _, scheme, iterations, salt, digest = stored.split("$")
        if scheme != "7":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.pbkdf2_hmac(
            "sha512", secret.encode(), base64.b64decode(salt), int(iterations)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, got)
