"""MQTT over TLS (``mqtts://``) on a real Mosquitto with a TLS listener whose certificate a
private CA signed: simulated devices publish over TLS, the consumer (``MQTT_CA_FILE``)
stores their readings in PostgreSQL, and refuses the broker when it does not trust that
CA."""

from __future__ import annotations

import datetime as dt
import ipaddress
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from doorstep.devices.models import DeviceMessage
from doorstep.devices.mosquitto import Broker, parse_url

from .mqtt_kit import PLATFORM, ConsumerProc, Mosquitto, free_port, wait_for, wait_port
from .test_mqtt import make_fleet

pytestmark = [pytest.mark.mqtt, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_ca_and_server(tmp: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for 127.0.0.1 signed by it: (ca, cert, key)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Doorstep test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = (tmp / "ca.pem", tmp / "server.pem", tmp / "server.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(_pem_key(key))
    return paths


class TlsMosquitto(Mosquitto):
    """The shipped configuration plus a TLS listener on 127.0.0.1; the devices (the
    simulator's ``DeviceClient``) use it too (``broker``)."""

    def __init__(self, tmp: Path) -> None:
        super().__init__(tmp)
        self.ca, cert, key = make_ca_and_server(tmp)
        self.tls_port = free_port()
        with self.conf.open("a") as fh:
            fh.write(
                f"listener {self.tls_port} 127.0.0.1\n"
                f"cafile {self.ca}\ncertfile {cert}\nkeyfile {key}\n"
            )

    def start(self) -> None:
        super().start()
        wait_port(self.tls_port)

    @property
    def broker(self) -> Broker:
        return Broker(
            "127.0.0.1",
            self.tls_port,
            PLATFORM.username,
            PLATFORM.password,
            tls=True,
            ca_file=str(self.ca),
        )

    @property
    def tls_url(self) -> str:
        return f"mqtts://{PLATFORM.username}:{PLATFORM.password}@127.0.0.1:{self.tls_port}"


@pytest.fixture
def mosquitto(tmp_path_factory: Any) -> Iterator[TlsMosquitto]:
    broker = TlsMosquitto(tmp_path_factory.mktemp("mosquitto-tls"))
    broker.start()
    yield broker
    broker.close()


def test_parse_url_takes_the_ca_file_for_mqtts_only() -> None:
    tls = parse_url("mqtts://u:p@broker.example", ca_file="/etc/doorstep/ca.pem")
    assert (tls.port, tls.tls, tls.ca_file) == (8883, True, "/etc/doorstep/ca.pem")
    plain = parse_url("mqtt://u:p@broker.example", ca_file="/etc/doorstep/ca.pem")
    assert (plain.port, plain.tls, plain.ca_file) == (1883, False, "")


def test_the_consumer_over_tls_stores_readings_and_refuses_an_untrusted_broker(
    mosquitto: TlsMosquitto, personas: Any, elder_a: Any, tmp_path: Path
) -> None:
    fleet = make_fleet(mosquitto, personas, elder_a, 2)
    # without the private CA the broker's certificate is refused: never connected
    untrusted = ConsumerProc(
        url=mosquitto.tls_url, client_id="consumer-untrusted", log=tmp_path / "untrusted.log"
    )
    trusted: ConsumerProc | None = None
    try:
        assert wait_for(
            lambda: "CERTIFICATE_VERIFY_FAILED" in untrusted.logfile.read_text(errors="replace"),
            20,
        ), untrusted.logfile.read_text(errors="replace")
        assert "connected to MQTT" not in untrusted.logfile.read_text(errors="replace")
        untrusted.stop()
        # with MQTT_CA_FILE it connects over TLS and stores what the devices send
        trusted = ConsumerProc(
            url=mosquitto.tls_url,
            client_id="consumer-tls",
            log=tmp_path / "tls.log",
            extra_env={"MQTT_CA_FILE": str(mosquitto.ca)},
        )
        trusted.wait_connected()
        for i in range(40):
            fleet.devices[i % 2].send("heart_rate", {"value": 60 + i})
            fleet.step(0.001)
        assert fleet.drain(20)
        assert wait_for(lambda: DeviceMessage.objects.count() == 40, 30)
        time.sleep(0.3)
        assert DeviceMessage.objects.count() == 40
    finally:
        fleet.close()
        untrusted.stop()
        if trusted is not None:
            trusted.stop()
