"""Payment-channel adapters (ADR 0022).

A ``Gateway`` opens a charge at the payment provider and checks the provider's signed
notifications. The built-in ``SandboxGateway`` behaves like a mobile-payment provider for
development and tests: one merchant per institution (``sbx-<institution id>``) with its own
secret, notifications signed with HMAC-SHA256 over the raw body, sent asynchronously, and
possibly repeated or out of order. A real provider's adapter implements the same two
methods with its own signing scheme.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings

SIGNATURE_HEADER = "X-Sandbox-Signature"


class Gateway(Protocol):
    def open_charge(self, *, institution_id: int, trade_no: str, amount_fen: int) -> str:
        """Open a charge; returns the provider's transaction id."""

    def verify(self, body: bytes, signature: str) -> Notification:
        """Parse a notification; raises ``BadNotification`` when it is not genuine."""


class BadNotification(Exception):
    """A notification that is malformed, unsigned, forged or tampered with."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        super().__init__(f"{code}: {detail}")


@dataclass(frozen=True)
class Notification:
    merchant_id: str
    institution_id: int
    trade_no: str
    txn_id: str
    amount_fen: int
    status: str  # "paid" | "failed"
    seq: int


def merchant_id(institution_id: int) -> str:
    return f"sbx-{institution_id}"


def merchant_secret(merchant: str) -> bytes:
    """The sandbox merchant's secret: derived from the deployment's secret key, so every
    institution has its own and none is stored."""
    key = str(settings.SECRET_KEY).encode()
    return hmac.new(key, f"sandbox-merchant:{merchant}".encode(), hashlib.sha256).digest()


def sign(body: bytes, merchant: str) -> str:
    return hmac.new(merchant_secret(merchant), body, hashlib.sha256).hexdigest()


class SandboxGateway:
    """The local sandbox provider."""

    def open_charge(self, *, institution_id: int, trade_no: str, amount_fen: int) -> str:
        return f"SBX{secrets.token_hex(10).upper()}"

    def notification(
        self,
        *,
        institution_id: int,
        trade_no: str,
        txn_id: str,
        amount_fen: int,
        status: str,
        seq: int = 1,
    ) -> tuple[bytes, str]:
        """The body and signature the sandbox sends when a charge is paid or fails."""
        merchant = merchant_id(institution_id)
        body = json.dumps(
            {
                "merchant_id": merchant,
                "out_trade_no": trade_no,
                "txn_id": txn_id,
                "amount_fen": amount_fen,
                "status": status,
                "seq": seq,
            },
            separators=(",", ":"),
            sort_keys=True,
        ).encode()
        return body, sign(body, merchant)

    def verify(self, body: bytes, signature: str) -> Notification:
        try:
            data: Any = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadNotification("bad_notification", "not JSON") from exc
        if not isinstance(data, dict):
            raise BadNotification("bad_notification", "not an object")
        merchant = data.get("merchant_id")
        if not isinstance(merchant, str) or not merchant.startswith("sbx-"):
            raise BadNotification("unknown_merchant")
        try:
            institution_id = int(merchant[4:])
        except ValueError as exc:
            raise BadNotification("unknown_merchant") from exc
        if not signature or not hmac.compare_digest(sign(body, merchant), signature):
            raise BadNotification("bad_signature")
        try:
            return Notification(
                merchant_id=merchant,
                institution_id=institution_id,
                trade_no=str(data["out_trade_no"]),
                txn_id=str(data["txn_id"]),
                amount_fen=int(data["amount_fen"]),
                status=str(data["status"]),
                seq=int(data.get("seq", 1)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BadNotification("bad_notification", "missing fields") from exc


SANDBOX = SandboxGateway()
