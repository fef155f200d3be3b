"""The Python parser gives the control plane's checked tree for every shared vector."""
import json
from pathlib import Path

import pytest

from liveprobe_agent.expression.parse import parse_expression
from liveprobe_agent.expression.template import parse_template

VECTORS = json.loads((Path(__file__).resolve().parents[2] / 'protocol' / 'expression-vectors.json').read_text())


@pytest.mark.parametrize('vector', VECTORS['expressions'], ids=lambda v: v['source'])
def test_expression_tree_matches_the_control_plane(vector):
    assert parse_expression(vector['source']) == vector['expr']


@pytest.mark.parametrize('vector', VECTORS['templates'], ids=lambda v: v['source'])
def test_template_parts_match_the_control_plane(vector):
    assert parse_template(vector['source']) == vector['parts']
