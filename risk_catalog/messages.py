"""Marked messages: English sentences that keep their template and values, so whoever shows
them (the CLI) can put them in the user's language. Every layer may import this."""
from __future__ import annotations


def N_(text: str) -> str:
    """Marks a message for extraction (pybabel); it is translated where it is shown (engine)."""
    return text


class Message(str):
    """A sentence in English that keeps its marked template and values; a value may itself be
    a Message (translated in turn)."""

    template: str
    values: dict

    def __new__(cls, template: str, **values):
        obj = super().__new__(cls, template % values if values else template)
        obj.template, obj.values = template, values
        return obj

    def __reduce__(self):  # pickles (worker processes) as template and values
        return (_message, (self.template, self.values))


def _message(template: str, values: dict) -> Message:
    return Message(template, **values)
