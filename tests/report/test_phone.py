"""Charts fitted to a phone (clientvalue.report.phone)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from clientvalue.report.phone import LABEL_CHARACTERS, PHONE_WIDTH, fit_to_phone, wrapped  # noqa: E402

QUESTIONS = ["It was right first time, without errors", "I was helped quickly",
             "That the exception must be possible for every client"]


def bar_chart(width=8.0):
    fig, ax = plt.subplots(figsize=(width, 3))
    ax.barh(QUESTIONS, [0.3, 0.5, 0.7])
    ax.set_title("What employees weigh when deciding on an exception, per question, with intervals")
    ax.set_xlabel("Share of the explained variance in the overall rating, per group of clients")
    return fig


def test_a_wide_chart_is_redrawn_narrow_with_its_texts_wrapped():
    fig = fit_to_phone(bar_chart())
    try:
        assert fig.get_size_inches()[0] == PHONE_WIDTH
        ax = fig.axes[0]
        assert "\n" in ax.get_title() and "\n" in ax.get_xlabel()
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert all(max(len(line) for line in label.split("\n")) <= LABEL_CHARACTERS for label in labels)
        assert [label.replace("\n", " ") for label in labels] == QUESTIONS  # same words, same order
        fig.canvas.draw()  # and it draws
    finally:
        plt.close(fig)


def test_narrow_charts_and_heat_maps_get_no_phone_variant():
    narrow = bar_chart(width=4.0)
    heat, ax = plt.subplots(figsize=(9, 4))
    ax.imshow(np.arange(12).reshape(3, 4))
    try:
        assert fit_to_phone(narrow) is None and fit_to_phone(heat) is None
        assert heat.get_size_inches()[0] == 9  # left as it was
    finally:
        plt.close(narrow)
        plt.close(heat)


def test_wrapped_keeps_every_word():
    text = "What drives the overall rating: practical or emotional value?"
    lines = wrapped(text, 2.0, 12).split("\n")
    assert len(lines) > 1 and " ".join(lines) == text
