"""Words a mother reads: British dates in English, phone numbers she can tap, plain Dutch."""

from datetime import UTC, date, datetime

from flask_babel import force_locale

from portal.i18n import format_day, format_moment
from portal.questionnaires.instruments import load_instrument
from portal.templating import phone_links, tel_link


def test_english_dates_are_british(app):
    with app.test_request_context(), force_locale("en"):
        assert format_day(date(2026, 12, 1), "short") == "01/12/2026"
        assert format_day(date(2026, 12, 1), "medium") == "1 Dec 2026"
        assert format_moment(datetime(2026, 12, 1, 9, 5, tzinfo=UTC), "short").startswith(
            "01/12/2026"
        )
    with app.test_request_context(), force_locale("nl"):
        assert format_day(date(2026, 12, 1), "medium") == "1 dec 2026"


def test_a_phone_number_is_a_link_a_phone_can_call():
    link = '<a href="tel:0201234567" class="tel">020-123 45 67</a>'
    assert str(tel_link("020-123 45 67")) == link
    assert str(tel_link(None)) == ""


def test_numbers_in_a_sentence_become_links_once_and_the_rest_is_escaped():
    text = "Call 113 or 0800-0113, or <b>112</b>; the 1130 bus is not a number."
    linked = str(phone_links(text, "113", "0800-0113", "112"))
    assert '<a href="tel:113" class="tel">113</a> or' in linked
    assert '<a href="tel:08000113" class="tel">0800-0113</a>' in linked
    assert '&lt;b&gt;<a href="tel:112" class="tel">112</a>&lt;/b&gt;' in linked
    assert "the 1130 bus" in linked


def test_the_dutch_epds_bands_say_een_depressie():
    labels = [band.label("nl") for band in load_instrument("epds").bands]
    assert any(label.startswith("Mogelijk een depressie") for label in labels)
    assert any(label.startswith("Waarschijnlijk een depressie") for label in labels)
