"""The organisation tree's pure rules: what sits under what, moved paths, status on a day, the model branch."""

from datetime import date

import pytest

from grassroots.rules import party_tree as t


def test_a_group_sits_under_a_branch_but_a_branch_not_under_a_group():
    assert t.may_sit_under(t.GROUP, t.BRANCH)
    assert not t.may_sit_under(t.BRANCH, t.GROUP)
    assert not t.may_sit_under(t.COMMITTEE, t.BRANCH)
    assert t.may_sit_under(t.BRANCH, t.GENERAL_BRANCH)


def test_a_moved_subtree_keeps_its_tail_under_the_new_prefix():
    assert t.moved_path("15/04/o1/o5/o9/", old_prefix="15/04/o1/o5/", new_prefix="15/07/o2/o5/") == "15/07/o2/o5/o9/"
    with pytest.raises(ValueError):
        t.moved_path("15/04/o1/o6/", old_prefix="15/04/o1/o5/", new_prefix="15/07/o2/o5/")


def test_depth_counts_organisation_segments_only():
    assert t.depth("150000/150400/o1/") == 1
    assert t.depth("150000/150400/o1/o12/o130/") == 3


def test_status_on_a_day():
    spans = [(date(2026, 3, 1), date(2026, 9, 1)), (date(2026, 11, 1), None)]
    assert t.status_on(date(2026, 2, 28), dissolved_on=None, weak_spans=spans) == t.NORMAL
    assert t.status_on(date(2026, 3, 1), dissolved_on=None, weak_spans=spans) == t.WEAK
    assert t.status_on(date(2026, 9, 1), dissolved_on=None, weak_spans=spans) == t.NORMAL  # accepted that day
    assert t.status_on(date(2026, 12, 1), dissolved_on=None, weak_spans=spans) == t.WEAK
    assert t.status_on(date(2026, 12, 1), dissolved_on=date(2026, 12, 1), weak_spans=spans) == t.DISSOLVED
    assert t.status_on(date(2026, 11, 30), dissolved_on=date(2026, 12, 1), weak_spans=spans) == t.WEAK


def test_a_model_branch_needs_every_item_of_a_published_checklist():
    assert t.is_model_branch([1, 2, 3], [3, 2, 1])
    assert not t.is_model_branch([1, 2, 3], [1, 2])
    assert not t.is_model_branch([], [])
