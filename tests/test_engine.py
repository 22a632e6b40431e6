"""The form runner on its own: navigation, branching, validation and version changes, with no database."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.engine.errors import InvalidInput
from bot.engine.forms import Condition, Form, Kind, Step
from bot.engine.runner import FormEnv, FormRunner, Input, new_state
from bot.i18n import I18n

FORM = Form(
    name="t",
    version=1,
    title="Activity report",
    steps=(
        Step("kind", "Kind of activity", "What kind of activity was it?", Kind.CHOICE, options="kinds"),
        Step("country", "Partner country", "Which country?", Kind.COUNTRY, required=False),
        Step("org", "Partner organisation or locality", "Which organisation?", Kind.TEXT, required=False,
             when=(Condition("country"),)),
        Step("people", "Participants", "How many?", Kind.NUMBER, validators=("even",)),
    ),
)  # fmt: skip


async def kinds(name: str, i18n: I18n) -> list[tuple[str, str]]:
    return [("a", "Tuyên truyền"), ("b", "Giao lưu hữu nghị")]


def even(value: Any, env: FormEnv, answers: Any, argument: str | None) -> None:
    if value % 2:
        raise InvalidInput("odd")


def runner(form: Form = FORM, language: str = "en") -> FormRunner:
    return FormRunner(form, FormEnv(I18n(language), date(2026, 11, 23), kinds, {"even": even}))


async def walk(r: FormRunner, state: dict, *inputs: Input) -> list[str]:
    texts = []
    for event in inputs:
        outcome = await r.handle(state, event)
        texts.append("\n".join(reply.text for reply in outcome.replies) + f"|{outcome.status}")
    return texts


async def test_branching_skips_the_organisation_without_a_country() -> None:
    r, state = runner(), new_state(FORM)
    await r.start(state)
    texts = await walk(r, state, Input(key="o1"), Input(text="bỏ qua"), Input(text="4"), Input(key="confirm"))
    assert "How many" in texts[1] and texts[-1].endswith("|done")
    assert r.visible_answers(state) == {"kind": "b", "country": None, "people": 4}


async def test_answers_after_a_branch_change_are_dropped() -> None:
    r, state = runner(), new_state(FORM)
    await r.start(state)
    await walk(r, state, Input(text="giao luu"), Input(text="Lào"), Input(text="Hủa Phăn"), Input(text="10"))
    assert state["mode"] == "review"
    await walk(r, state, Input(text="sửa 2"), Input(key="skip"))
    assert state["mode"] == "review" and "org" not in r.visible_answers(state)


async def test_back_keeps_the_answer_and_validation_keeps_the_step() -> None:
    r, state = runner(), new_state(FORM)
    await r.start(state)
    await walk(r, state, Input(text="1"), Input(text="Mỹ"), Input(text="quay lại"))
    assert state["step"] == "country" and state["answers"]["country"] == "US"
    await walk(r, state, Input(key="keep"), Input(text="bỏ qua"))
    texts = await walk(r, state, Input(text="3"))
    assert "odd" in texts[0] and state["step"] == "people" and state["answers"]["kind"] == "a"


async def test_required_steps_cannot_be_skipped_and_stale_keys_are_refused() -> None:
    r, state = runner(), new_state(FORM)
    await r.start(state)
    texts = await walk(r, state, Input(key="skip"), Input(key="o9"), Input(key="nonsense"))
    assert all("|open" in text for text in texts) and state["step"] == "kind"


async def test_cancel_needs_confirmation() -> None:
    r, state = runner(), new_state(FORM)
    await r.start(state)
    await walk(r, state, Input(text="1"), Input(text="hủy"))
    assert state["mode"] == "confirm_cancel"
    await walk(r, state, Input(text="không"))
    assert state["mode"] == "ask" and state["step"] == "country"
    assert (await walk(r, state, Input(key="cancel"), Input(key="yes")))[-1].endswith("|cancelled")


async def test_a_draft_from_an_older_version_keeps_what_still_fits() -> None:
    r, state = runner(), new_state(FORM)
    await r.start(state)
    await walk(r, state, Input(text="1"), Input(text="Lào"))
    newer = Form(name="t", version=2, title="Activity report", steps=(FORM.steps[0], FORM.steps[3]))
    r2 = runner(newer)
    await r2.handle(state, Input(text="Hủa Phăn"))  # meant for a question the new version no longer has
    assert state["version"] == 2 and state["answers"] == {"kind": "a"} and state["step"] == "people"
    await r2.handle(state, Input(text="8"))
    assert state["mode"] == "review" and r2.visible_answers(state) == {"kind": "a", "people": 8}


def test_every_reply_can_be_serialised() -> None:
    from bot.engine.replies import Document, Option, Reply

    reply = Reply("x", title="t", rows=((Option("a", "A"), Option("back", "B", nav=True)),), screen=3,
                  document=Document("f.csv", "YQ=="))  # fmt: skip
    assert Reply.from_json(reply.to_json()) == reply
    assert [option.key for option in reply.choices] == ["a"]


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_review_lists_every_visible_answer(language: str) -> None:
    r, state = runner(language=language), new_state(FORM)
    await r.start(state)
    texts = await walk(r, state, Input(text="2"), Input(text="Nhật"), Input(text="bỏ qua"), Input(text="6"))
    assert texts[-1].count("• ") == 3 and ("Nhật Bản" in texts[-1] or "Japan" in texts[-1])
    assert "Bỏ qua: tổ chức, địa phương đối tác" in texts[-1] or "Skipped: partner organisation" in texts[-1]


DETAILED = Form(
    name="d",
    version=1,
    title="Activity report",
    details_prompt="Add details?",
    steps=(
        Step("kind", "Kind of activity", "What kind?", Kind.CHOICE, options="kinds"),
        Step("people", "Participants", "How many?", Kind.NUMBER),
        Step("country", "Partner country", "Which country?", Kind.COUNTRY, required=False, detail=True),
        Step("org", "Partner organisation or locality", "Which organisation?", Kind.TEXT, required=False,
             when=(Condition("country"),), detail=True),
        Step("money", "Money", "How much?", Kind.MONEY, required=False, detail=True),
        Step("photos", "Photos", "Photos?", Kind.PHOTOS, required=False, detail=True),
    ),
)  # fmt: skip


async def screens(r: FormRunner, state: dict, *inputs: Input) -> list[Any]:
    return [(await r.handle(state, event)).replies[-1] for event in inputs]


@pytest.mark.parametrize("typed", [False, True])
async def test_a_minimal_answer_is_the_required_questions_and_two_choices(typed: bool) -> None:
    """Details wait behind one choice: kind, people, "no details", confirm; typed numbers work as taps do."""
    r, state = runner(DETAILED), new_state(DETAILED)
    await r.start(state)
    no_details = Input(text="2") if typed else Input(key="o1")
    confirm = Input(text="1") if typed else Input(key="confirm")
    _, gate, review = await screens(r, state, Input(text="1"), Input(text="40"), no_details)
    assert "Add details?" in gate.text and [o.label for o in gate.choices] == ["➕ Add details", "No, review and send"]
    assert review.text.count("• ") == 2 and "(skipped)" not in review.text
    assert [o.key for o in review.choices] == ["confirm", "edit", "details"]
    outcome = await r.handle(state, confirm)
    assert outcome.status == "done" and r.visible_answers(state)["people"] == 40


async def test_details_asked_on_request_and_added_later_from_the_review() -> None:
    r, state = runner(DETAILED), new_state(DETAILED)
    await r.start(state)
    (first,) = await screens(r, state, Input(text="1"))
    assert first.title == "Activity report — question 2 of 2"
    await screens(r, state, Input(text="40"))
    country, org, money = await screens(r, state, Input(text="thêm"), Input(text="Lào"), Input(text="Hủa Phăn"))
    assert country.title == "Activity report — detail 1 of 4" and org.title == "Activity report — detail 2 of 4"
    assert money.title == "Activity report — detail 3 of 4"
    photos, review = await screens(r, state, Input(text="bỏ qua"), Input(text="xong"))
    assert "Type “done”" in photos.text and review.text.count("• ") == 4
    assert [o.key for o in review.choices] == ["confirm", "edit", "details"]  # money and photos were skipped
    (money_again,) = await screens(r, state, Input(text="3"))
    assert money_again.text.startswith("How much?")
    await screens(r, state, Input(text="5 triệu"), Input(text="xong"))
    assert r.visible_answers(state)["money"] == 5_000_000 and state["mode"] == "review"


async def test_the_counter_never_grows_when_a_branch_opens() -> None:
    r, state = runner(DETAILED), new_state(DETAILED)
    await r.start(state)
    await screens(r, state, Input(text="1"), Input(text="40"))
    country, money = await screens(r, state, Input(text="1"), Input(text="bỏ qua"))
    assert country.title.endswith("detail 1 of 4") and money.title.endswith("detail 2 of 3")


async def test_a_photo_sent_at_the_details_choice_is_kept() -> None:
    r, state = runner(DETAILED), new_state(DETAILED)
    await r.start(state)
    await screens(r, state, Input(text="1"), Input(text="40"))
    gate, review = await screens(r, state, Input(photo="file-1"), Input(text="không"))
    assert "Photo 1 received." in gate.text and state["answers"]["photos"] == [{"channel": "console", "ref": "file-1"}]
    assert "1 photo(s)" in review.text


async def test_the_review_numbers_only_its_actions_and_edits_by_name() -> None:
    r, state = runner(DETAILED), new_state(DETAILED)
    await r.start(state)
    await screens(r, state, Input(text="1"), Input(text="40"), Input(text="2"))
    (picker,) = await screens(r, state, Input(text="2"))
    assert [o.label for o in picker.choices] == ["Kind of activity", "Participants"]  # no "1. 1. …"
    back_to_review, asked = await screens(r, state, Input(text="back"), Input(text="sửa participants"))
    assert asked.text.startswith("How many?")
    with pytest.raises(AssertionError):
        assert "1. " in back_to_review.text
    review, refused = await screens(r, state, Input(text="30"), Input(text="9"))
    assert "• Participants: 30" in review.text
    assert "from 1 to 3" in refused.text and state["mode"] == "review"


async def test_the_typing_hint_is_short_once_and_whole_on_request() -> None:
    r, state = runner(DETAILED), new_state(DETAILED)
    first = (await r.start(state)).replies[-1]
    assert first.typed_hint == "Type a number or a name; “?” for help."
    (second,) = await screens(r, state, Input(text="1"))
    assert second.typed_hint == ""
    (helped,) = await screens(r, state, Input(text="?"))
    assert "“back” to go back" in helped.text and "“cancel” to cancel" in helped.text  # in the text: Telegram too
    (after_mistake,) = await screens(r, state, Input(text="abc"))
    assert after_mistake.text.startswith("⚠️") and after_mistake.typed_hint == ""  # the warning says what is wanted


def test_every_kind_has_its_rules() -> None:
    """A new input kind without parse/format rules would fail at the first answer; here it fails at once."""
    from bot.engine.forms import Kind
    from bot.engine.kinds import KINDS

    assert set(KINDS) == set(Kind)
    assert {kind for kind, rules in KINDS.items() if rules.parse is None} == {Kind.CHOICE, Kind.PHOTOS}


@pytest.mark.parametrize(
    ("typed", "value", "note", "shown"),
    [("hơn 100", 100, "more", "more than 100"), ("khoảng 50", 50, "about", "about 50"), ("100+", 100, "more", None),
     ("dưới 20", 20, "less", "less than 20"), ("tầm 30 người", 30, "about", None), ("40", 40, None, "• Participants: 40")],
)  # fmt: skip
async def test_a_count_keeps_how_exact_it_is(typed: str, value: int, note: str | None, shown: str | None) -> None:
    """ "hơn 100" is stored as 100 with the note "more", shown so on the review, and dropped when the answer changes."""
    r, state = runner(DETAILED), new_state(DETAILED)
    await r.start(state)
    _, review = await screens(r, state, Input(text="1"), Input(text=typed))
    review = (await r.handle(state, Input(text="2"))).replies[-1]
    answers = r.visible_answers(state)
    assert answers["people"] == value and answers.get("people_note") == note
    assert shown is None or shown in review.text
    await screens(r, state, Input(text="sửa participants"), Input(text="12"))
    assert "people_note" not in r.visible_answers(state)


async def test_a_quick_answer_is_picked_by_its_number_as_by_its_button() -> None:
    """The date question lists "1. Today", "2. Yesterday": typing 2 on Zalo does what the button does."""
    form = Form(name="q", version=1, title="T", steps=(Step("day", "Date", "When?", Kind.DATE),))
    r, state = runner(form), new_state(form)
    shown = (await r.start(state)).replies[-1]
    assert [o.label for o in shown.choices] == ["Today (23/11/2026)", "Yesterday (22/11/2026)"]
    await r.handle(state, Input(text="2"))
    assert r.visible_answers(state) == {"day": "2026-11-22"}
