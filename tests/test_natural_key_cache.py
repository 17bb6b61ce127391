"""The memoised natural sort key orders everything exactly as the plain one did.

A release sorts the same interaction IDs and references tens of thousands of times
(changes.tsv, the ledgers, the report), so :func:`curation.ledger.natural_key` keeps the
keys it worked out; the order of every file a release writes depends on it being the
same key, and on the memo staying bounded.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from curation.ledger import natural_key

plain_key = natural_key.__wrapped__  # the function as written, without the memo

# IDs and references as curators write them, and text that stresses the digit split:
# leading zeros, long numbers, digits of other scripts, empty strings.
ids = st.from_regex(r"(re|pubmed:|doi:10\.|pmc:PMC|s|map:re)?[0-9]{0,12}[a-z_.:-]{0,3}[0-9]{0,4}")
identifiers = ids | st.text(alphabet="0123456789٣۴²re:._-é ", max_size=12) | st.text(max_size=8)


def outcome(key, text):
    """The key of ``text``, or the error it raised (a superscript digit has no key)."""
    try:
        return key(text)
    except ValueError as error:
        return str(error)


def keyable(text: str) -> bool:
    return not isinstance(outcome(plain_key, text), str)


@given(identifiers)
@example("")
@example("re007")
@example("re7")
@example("٣")  # an Arabic-Indic digit: \d and int() both take it
@example("re²")
@example("²")
def test_the_memoised_key_is_the_plain_key(text):
    assert outcome(natural_key, text) == outcome(plain_key, text)
    assert outcome(natural_key, text) == outcome(plain_key, text)  # and once remembered


@given(st.lists(identifiers.filter(keyable), max_size=40))
def test_sorting_with_the_memoised_key_gives_the_same_order(texts):
    assert sorted(texts, key=natural_key) == sorted(texts, key=plain_key)


def test_the_order_is_natural():
    texts = ["re10", "re2", "re1", "pubmed:100", "pubmed:20", "re02", "doi:10.1/b", "doi:10.1/a"]
    assert sorted(texts, key=natural_key) == [
        "doi:10.1/a", "doi:10.1/b", "pubmed:20", "pubmed:100", "re1", "re02", "re2", "re10",
    ]  # fmt: skip


def test_what_the_plain_key_refuses_the_memoised_key_refuses_too():
    # A superscript two is a digit to str.isdigit but not to int(): no key, every time.
    for _ in range(2):
        with pytest.raises(ValueError):
            plain_key("²")
        with pytest.raises(ValueError):
            natural_key("²")


def test_the_memo_is_bounded():
    info = natural_key.cache_info()
    assert info.maxsize is not None and info.maxsize >= 10_000
