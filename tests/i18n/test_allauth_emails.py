"""allauth's e-mails to a learner are in the learner's language, Tigrinya included (allauth has
no Tigrinya catalogue: our copies of its templates put its texts in ours)."""

from __future__ import annotations

import re
from pathlib import Path

import allauth
import pytest
from django.template.loader import render_to_string
from django.utils import translation

OURS = Path(__file__).resolve().parents[2] / "portal" / "templates" / "account" / "email"
THEIRS = Path(allauth.__file__).resolve().parent / "templates" / "account" / "email"
COMMENT = re.compile(r"\{% comment %\}.*?\{% endcomment %\}", re.S)
LATIN_SENTENCE = re.compile(r"[A-Za-z]{3,} [a-z]{2,} [a-z]{3,}")


ENGLISH_OR_DUTCH = re.compile(r"\b(the|you|your|this|het|uw|je|een|wij)\b", re.I)


class _User:
    username = "amanuel"
    email = "amanuel@example.org"

    def __str__(self) -> str:
        return self.email


class _Site:
    name = "Routewijzer"
    domain = "https://routewijzer.example"


def test_the_copies_are_allauth_s_templates_unchanged():
    copies = sorted(OURS.glob("*.txt"))
    assert len(copies) >= 20
    for copy in copies:
        ours = COMMENT.sub("", copy.read_text())
        assert ours == (THEIRS / copy.name).read_text(), copy.name


@pytest.mark.parametrize("language", ["ti", "ar", "fa", "tr"])
@pytest.mark.parametrize(
    "template",
    [
        "password_reset_key",
        "account_already_exists",
        "unknown_account",
        "password_changed",
        "password_set",
        "email_changed",
        "email_deleted",
        "email_confirmation",
    ],
)
def test_allauth_s_e_mails_speak_the_language(language, template):
    context = {
        "current_site": _Site(),
        "user_display": "amanuel@example.org",
        "activate_url": "https://routewijzer.example/a",
        "password_reset_url": "https://routewijzer.example/p",
        "signup_url": "https://routewijzer.example/s",
        "email": "amanuel@example.org",
        "from_email": "old@example.org",
        "to_email": "amanuel@example.org",
        "deleted_email": "old@example.org",
        "user": _User(),
    }
    # Arabic, Persian and Tigrinya: no Latin sentence at all; Turkish: no English or Dutch word.
    leftover = ENGLISH_OR_DUTCH if language == "tr" else LATIN_SENTENCE
    with translation.override(language):
        for part in ("subject", "message"):
            text = render_to_string(f"account/email/{template}_{part}.txt", context)
            left = [
                line
                for line in text.splitlines()
                if leftover.search(line) and "://" not in line and "@" not in line
            ]
            assert not left, (language, template, part, left)
