"""The agent's MQTT side (docs/agent-protocol.md): the retained birth message and Last Will on
`…/agents/{id}/status`, the desired-state subscriptions (every tag, and the agent's own id),
and events out on `…/agents/{id}/events`. Desired state is reconciled by `rev` per topic, so a
redelivery is harmless; with LIVEPROBE_PUBLIC_KEY only signed state is applied."""
from __future__ import annotations

import json
import os
import platform
import socket
import ssl
import threading
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt

from . import __version__
from .config import AgentConfig
from .trust import DesiredStateTrust

MAX_UNSENT_STATUS = 1000
HEARTBEAT_SECONDS = 30


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec='milliseconds').replace('+00:00', 'Z')


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f':{parts.password}@', ':***@', 1)


class BrokerLink:
    def __init__(self, config: AgentConfig, on_desired: Callable[[list[dict[str, Any]]], None], log: Callable[[str], None]) -> None:
        self.config = config
        self.on_desired = on_desired
        self.log = log
        self.trust = DesiredStateTrust.from_env(os.environ)
        base = config.topic_prefix.rstrip('/')
        self.status_topic = f'{base}/agents/{config.agent_id}/status'
        self.events_topic = f'{base}/agents/{config.agent_id}/events'
        self.subscriptions = [f'{base}/tags/{tag}/actions' for tag in config.tags] + [f'{base}/agents/{config.agent_id}/actions']
        self.desired: dict[str, dict[str, Any]] = {}
        self.unsent_status: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.connected = False
        self.ever_connected = False
        self.birth = {
            'state': 'online', 'agentId': config.agent_id, 'hostname': socket.gethostname(), 'pid': os.getpid(),
            'runtime': 'python', 'runtimeVersion': platform.python_version(), 'agentVersion': __version__,
            'tags': config.tags, 'startedAt': now_iso(),
        }
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=config.agent_id)
        # paho's own logger would reach the app's logging (or Python's last-resort handler on
        # stderr) with an error a second while the broker is away: the agent says it once, in its
        # own words, and paho's lines only at LIVEPROBE_LOG_LEVEL=debug.
        self.client.disable_logger()
        if config.log_level == 'debug':
            self.client.on_log = lambda _client, _userdata, _level, text: self.log(f'mqtt: {text}')
        self.unreachable_said = False

    def start(self) -> None:
        url = urlsplit(self.config.broker_url)
        if url.username is not None:
            self.client.username_pw_set(unquote(url.username), unquote(url.password or ''))
        if url.scheme in ('mqtts', 'ssl', 'tls'):
            # The system's roots; a private CA through OpenSSL's SSL_CERT_FILE / SSL_CERT_DIR.
            self.client.tls_set_context(ssl.create_default_context())
        offline = json.dumps({'state': 'offline', 'agentId': self.config.agent_id})
        self.client.will_set(self.status_topic, offline, qos=1, retain=True)
        self.client.reconnect_delay_set(1, 1)
        self.client.on_connect = self._connected
        self.client.on_disconnect = self._disconnected
        self.client.on_connect_fail = self._unreachable
        self.client.on_message = self._message
        default_port = 8883 if url.scheme in ('mqtts', 'ssl', 'tls') else 1883
        self.client.connect_async(url.hostname or '127.0.0.1', url.port or default_port, keepalive=30)
        self.client.loop_start()

    def publish_event(self, event: dict[str, Any]) -> bool:
        """False when the broker is unreachable (the caller counts it as dropped)."""
        if not self.connected:
            return False
        self.client.publish(self.events_topic, json.dumps(event, separators=(',', ':')), qos=1)
        return True

    def publish_status(self, event: dict[str, Any]) -> None:
        """An action's status is kept (the latest per action, bounded) while the broker is away."""
        if self.publish_event(event):
            return
        with self.lock:
            self.unsent_status.pop(event['actionId'], None)
            if len(self.unsent_status) >= MAX_UNSENT_STATUS:
                self.unsent_status.pop(next(iter(self.unsent_status)))
            self.unsent_status[event['actionId']] = event

    def forget_in_child(self) -> None:
        """In a forked child: drop this process's copies of the parent's sockets without a word
        on them (closing a copy leaves the parent's connection open; keeping it would keep the
        connection alive at the broker after the parent closed it)."""
        self.connected = False
        sockets = [self.client.socket(), getattr(self.client, '_sockpairR', None), getattr(self.client, '_sockpairW', None)]
        for sock in sockets:
            if sock is not None:
                sock.close()

    def close(self) -> None:
        if self.connected:
            info = self.client.publish(self.status_topic, json.dumps({'state': 'offline', 'agentId': self.config.agent_id}), qos=1, retain=True)
            try:
                info.wait_for_publish(1.0)
            except (RuntimeError, ValueError):
                pass
        self.client.disconnect()
        self.client.loop_stop()

    def _connected(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        shown = without_password(self.config.broker_url)
        if reason.is_failure:
            self.log(f'broker {shown}: {reason}; retrying every second')
            return
        self.connected = True
        self.unreachable_said = False
        self.log(f'{"reconnected" if self.ever_connected else "connected"} to {shown} as {self.config.agent_id} (tags: {", ".join(self.config.tags) or "none"})')
        self.ever_connected = True
        client.publish(self.status_topic, json.dumps(self.birth), qos=1, retain=True)
        with self.lock:
            pending = list(self.unsent_status.values())
            self.unsent_status.clear()
        for event in pending:
            self.publish_event(event)
        client.subscribe([(topic, 1) for topic in self.subscriptions])

    def _unreachable(self, _client: mqtt.Client, _userdata: Any) -> None:
        if not self.unreachable_said:
            self.unreachable_said = True
            self.log(f'cannot reach the broker {without_password(self.config.broker_url)}; retrying every second')

    def _disconnected(self, _client: mqtt.Client, _userdata: Any, _flags: Any, _reason: Any, _props: Any) -> None:
        if self.connected:
            self.log(f'lost the broker {without_password(self.config.broker_url)}; reconnecting')
            self.unreachable_said = True  # one line per outage
        self.connected = False

    def _message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            self._receive(message.topic, bytes(message.payload))
        except Exception as err:  # a bad message must never stop the network thread
            self.log(f'internal error handling {message.topic}: {err!r}')

    def _receive(self, topic: str, payload: bytes) -> None:
        cleared = len(payload) == 0
        if cleared:
            state: dict[str, Any] = {'rev': -1, 'actions': []}
        else:
            try:
                state = json.loads(payload)
            except ValueError:
                self.log(f'ignored a message on {topic}: not JSON')
                return
            if self.trust is not None:
                refusal = self.trust.refusal(topic, state)
                if refusal is not None:
                    return self._refuse(topic, refusal)
            if not isinstance(state, dict) or not isinstance(state.get('rev'), int) or not isinstance(state.get('actions'), list):
                self.log(f'ignored a message on {topic}: expected {{rev, actions}}')
                return
        known = self.desired.get(topic)
        if known is not None and not cleared:
            if state['rev'] < known['rev'] and self.trust is not None:
                return self._refuse(topic, f'it is a replay: revision {state["rev"]} is older than {known["rev"]}, already applied')
            if state['rev'] <= known['rev']:
                return
        self.desired[topic] = state
        union: dict[str, dict[str, Any]] = {}
        for desired in self.desired.values():
            for action in desired['actions']:
                if isinstance(action, dict) and isinstance(action.get('id'), str):
                    union[action['id']] = action
        self.on_desired(list(union.values()))

    def _refuse(self, topic: str, reason: str) -> None:
        self.log(f'refused the desired state on {topic}: {reason}')
        self.publish_event({'kind': 'dropped', 'agentId': self.config.agent_id, 'time': now_iso(), 'count': 1,
                            'reason': f'refused the desired state on {topic}: {reason}'})
