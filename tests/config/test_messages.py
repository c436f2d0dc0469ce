"""Stored messages (config.messages): a model choice's label goes in as its source and is translated with the
message it is a value of, in the reader's language, whatever language was active when it was written."""

from django.utils import translation
from django.utils.translation import gettext_noop

from config.messages import message, message_label, message_recognise, message_render
from finance.models import DifferenceStatus


def test_a_choice_label_written_in_chinese_keeps_its_source_and_reads_in_each_language():
    with translation.override("zh-hans"):
        written = message(
            gettext_noop("Status: %(before)s → %(after)s."),
            before=message_label(DifferenceStatus.OPEN.label),
            after=message_label(DifferenceStatus.ACCEPTED.label),
        )

    assert written == "Status: Open → Accepted (written off)."
    stored = written.stored()
    assert stored["params"]["before"] == {"text": "Open", "params": {}}
    with translation.override("zh-hans"):
        assert message_render(stored, written) == "状态：未处理 → 已接受（核销）。"
    with translation.override("en"):
        assert message_render(stored, written) == "Status: Open → Accepted (written off)."


def test_a_label_given_as_plain_text_is_its_own_source():
    with translation.override("zh-hans"):
        label = message_label("Open")

    assert label.stored() == {"text": "Open", "params": {}}
    with translation.override("zh-hans"):
        assert message_render(label.stored(), label) == "未处理"


def test_a_value_a_message_says_twice_is_recognised_once():
    source = "only %(service)s may print it: add a %(service)s account for %(shop)s"
    assert message_recognise("only Cainiao may print it: add a Cainiao account for A", [source]) == {
        "text": source,
        "params": {"service": "Cainiao", "shop": "A"},
    }
    assert message_recognise("only Cainiao may print it: add a PDD account for A", [source]) is None
