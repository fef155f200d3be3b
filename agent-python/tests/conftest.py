"""An agent for unit tests: what it would send to the broker (events and statuses, in order) is
kept in `agent.published`, and its own metric exporter is off."""
import os
from typing import Callable, Iterator

import pytest

from liveprobe_agent.agent import Agent
from liveprobe_agent.config import read_config


@pytest.fixture
def recording_agent() -> Iterator[Callable[..., Agent]]:
    made: list[Agent] = []

    def make(env: dict[str, str] | None = None) -> Agent:
        os.environ['OTEL_METRICS_EXPORTER'] = 'none'  # the agent's own exporter reads os.environ
        agent = Agent(read_config({'LIVEPROBE_AGENT_ID': 'unit-test', 'LIVEPROBE_LOG_LEVEL': 'silent', **(env or {})}))
        published: list[dict] = []
        agent.published = published  # type: ignore[attr-defined]
        agent.link.publish_event = lambda event: published.append(event) or True  # type: ignore[method-assign]
        agent.link.publish_status = published.append  # type: ignore[method-assign]
        made.append(agent)
        return agent

    yield make
    for agent in made:
        agent.exceptions.close()
        agent.engine.close()
        agent.engine.mechanism.close()  # 3.12+: give the sys.monitoring tool id back for the next test
