"""Which desired state the agent believes (docs/security.md). Given the control plane's Ed25519
public key (LIVEPROBE_PUBLIC_KEY, base64 SPKI DER or PEM) it applies only messages whose `sig`
verifies over the RFC 8785 canonical JSON of {topic, rev, actions} for the topic they arrived on.
A key it cannot use refuses everything (fail closed)."""
from __future__ import annotations

import base64
import binascii
from typing import Any, Mapping

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key


def signing_input(topic: str, rev: Any, actions: Any) -> bytes:
    return rfc8785.dumps({'topic': topic, 'rev': rev, 'actions': actions})


class DesiredStateTrust:
    def __init__(self, key: Ed25519PublicKey | None, key_problem: str | None) -> None:
        self.key = key
        self.key_problem = key_problem

    @staticmethod
    def from_env(env: Mapping[str, str]) -> 'DesiredStateTrust | None':
        text = env.get('LIVEPROBE_PUBLIC_KEY', '').strip()
        if text == '':
            return None
        try:
            key = load_pem_public_key(text.encode()) if '-----BEGIN' in text else load_der_public_key(base64.b64decode(text, validate=True))
        except (ValueError, binascii.Error, TypeError) as err:
            return DesiredStateTrust(None, f'LIVEPROBE_PUBLIC_KEY is not a public key ({err}); use the value `liveprobe up` prints')
        if not isinstance(key, Ed25519PublicKey):
            return DesiredStateTrust(None, f'LIVEPROBE_PUBLIC_KEY is a {type(key).__name__} key, not Ed25519')
        return DesiredStateTrust(key, None)

    def refusal(self, topic: str, message: Any) -> str | None:
        """Why `message` must be refused; None when the control plane signed it for this topic."""
        if self.key is None:
            return self.key_problem
        if not isinstance(message, dict):
            return 'not an object'
        sig = message.get('sig')
        if sig is None:
            return 'it is unsigned'
        if not isinstance(sig, str):
            return 'its signature is not a string'
        try:
            data = signing_input(topic, message.get('rev'), message.get('actions'))
            self.key.verify(base64.b64decode(sig), data)
        except (rfc8785.CanonicalizationError, ValueError, binascii.Error) as err:
            return f'it cannot be checked ({err})'
        except InvalidSignature:
            return 'its signature does not match the control plane key for this topic (forged, altered, or replayed from another topic)'
        return None
