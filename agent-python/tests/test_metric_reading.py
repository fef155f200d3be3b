"""A metric action's live line says what it recorded, as the Node.js agent's does: the action's type,
the instrument otel_out records into, the value, the unit (seconds for tic-toc and duration), and
the attributes a JSON reader can take."""
from liveprobe_agent.metric_reading import metric_reading


def test_a_counter_counts_hits_in_its_unit() -> None:
    action = {'type': 'counter', 'name': 'shop.checkouts', 'unit': '{hit}'}
    assert metric_reading(action, 3, {}) == {'type': 'counter', 'name': 'shop.checkouts', 'value': 3, 'instrument': 'counter', 'unit': '{hit}'}


def test_a_metric_is_a_histogram_unless_a_gauge_and_keeps_its_attributes() -> None:
    action = {'type': 'metric', 'name': 'shop.amount', 'unit': 'USD', 'instrument': 'histogram'}
    assert metric_reading(action, 4.5, {'user': 'u7'}) == {
        'type': 'metric', 'name': 'shop.amount', 'value': 4.5, 'instrument': 'histogram', 'unit': 'USD', 'attributes': {'user': 'u7'},
    }
    gauge = metric_reading({'type': 'metric', 'name': 'queue.depth', 'instrument': 'gauge'}, 7, {})
    assert gauge == {'type': 'metric', 'name': 'queue.depth', 'value': 7, 'instrument': 'gauge'}


def test_tictoc_and_duration_are_histograms_in_seconds() -> None:
    for kind in ('tictoc', 'duration'):
        reading = metric_reading({'type': kind, 'name': 'shop.pricing'}, 0.25, {})
        assert (reading['instrument'], reading['unit']) == ('histogram', 's')


def test_attributes_the_protocol_cannot_carry_are_left_out() -> None:
    reading = metric_reading({'type': 'metric', 'name': 'n', 'instrument': 'histogram'}, 1, {'ok': 'x', 'odd': [1, 2]})
    assert reading['attributes'] == {'ok': 'x'}
