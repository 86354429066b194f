# SPDX-License-Identifier: GPL-2.0-or-later
"""The hand-written expectations agree with the captures they describe
(tests/expectations.py: stock tshark, no plugin), and make_pcaps.py still
writes the committed seed and crafted captures byte for byte."""
import pytest

import expectations

CASES = [(s, name) for s in expectations.SETS for name in expectations.names(s)]


def test_every_set_has_expectations():
    assert {s for s, _ in CASES} == set(expectations.SETS)


@pytest.mark.parametrize("set_name,name", CASES, ids=[f"{s}/{n}" for s, n in CASES])
def test_expectation_fits_capture(set_name, name):
    errors = expectations.check(set_name, name)
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("set_name", expectations.SETS)
def test_every_capture_has_expectations(set_name):
    assert expectations.unexpected_captures(set_name) == []


def test_make_pcaps_rebuilds_the_committed_captures():
    errors = expectations.rebuild_differences()
    assert not errors, "\n".join(errors)
