"""The execute parser on its own: whatever the code, it answers calls or a VK error, never crashes."""

import json

from hypothesis import given
from hypothesis import strategies as st

from evosync.sandbox.vk_errors import VkError
from evosync.sandbox.vk_execute import parse, run

_params = st.dictionaries(
    st.text(min_size=1, max_size=8), st.one_of(st.integers(), st.text(max_size=20), st.booleans()), max_size=4
)


@given(
    st.lists(
        st.tuples(st.sampled_from(["market.add", "market.edit", "users.get"]), _params),
        min_size=1,
        max_size=25,
    )
)
def test_generated_batches_round_trip(calls):
    code = "return [" + ",".join(f"API.{m}({json.dumps(p, ensure_ascii=False)})" for m, p in calls) + "];"
    parsed, is_list = parse(code)
    assert is_list and parsed == calls


@given(st.text(max_size=200))
def test_arbitrary_text_gives_a_vk_error_or_calls(code):
    try:
        run(code, lambda method, params: 1)
    except VkError as err:
        assert err.code in (12, 13)
