"""The git test helpers themselves: the base text is valid and an edit is a minimal diff."""

from __future__ import annotations

from helpers_git import INLINE_COMMENT, PROJECT_COMMENT, TOP_COMMENT, base_text, edit, setting

from fsdl_tui.storage import loads


def test_base_text_keeps_its_comments_and_is_valid() -> None:
    text = base_text()
    doc = loads(text)
    assert [p.id for p in doc.portfolio.projects] == ["grasp-pose", "defect-detect", "lens-only", "unscored"]
    for comment in (TOP_COMMENT, PROJECT_COMMENT, INLINE_COMMENT):
        assert comment in text


def test_edit_is_a_minimal_diff_that_keeps_comments() -> None:
    text = base_text()
    after = edit(text, setting("grasp-pose", "cost.accuracy_requirement", 3))
    changed = [(a, b) for a, b in zip(text.splitlines(), after.splitlines(), strict=False) if a != b]
    assert len(changed) == 1 and "accuracy_requirement = 3" in changed[0][1]
    assert PROJECT_COMMENT in after and INLINE_COMMENT in after
