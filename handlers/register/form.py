"""The overseas-register record as a form, and the fixed choices it uses (gender, group, status, yes/no).

The form's step names are the storage column names, and the spreadsheet template is built from the same steps,
so a field is declared once for chat, import and export.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from bot.context import Ctx
from bot.engine.errors import InvalidInput
from bot.engine.forms import Condition, Form, Kind, Step
from bot.engine.runner import FormEnv
from bot.i18n import N_, I18n

GENDERS = (("male", N_("Male")), ("female", N_("Female")), ("other", N_("Other")))
GROUPS = (
    ("business", N_("Businessperson")),
    ("intellectual", N_("Intellectual, expert")),
    ("student", N_("Student")),
    ("worker", N_("Worker")),
    ("bride", N_("Married to a foreigner")),
    ("settled", N_("Settled with family")),
    ("other", N_("Other")),
)
STATUSES = (
    ("abroad", N_("Living abroad")),
    ("returned", N_("Returned home")),
    ("deceased", N_("Deceased")),
    ("unknown", N_("Unknown")),
)
YES_NO = (("yes", N_("Yes")), ("no", N_("No")))
CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "gender": GENDERS,
    "overseas_group": GROUPS,
    "overseas_status": STATUSES,
    "yes_no": YES_NO,
}

_HAS_RELATIVE = (Condition("relative_name"),)


def _note(name: str, label: str, prompt: str) -> Step:
    """A free-text note: optional, and kept encrypted (in the record and in the draft) because it may hold opinions."""
    return Step(name, label, prompt, Kind.LONG_TEXT, required=False, validators=("needs_data_key",), max_length=2000,
                sensitive=True)  # fmt: skip


OVERSEAS_FORM = Form(
    name="overseas",
    version=1,
    title=N_("Overseas Vietnamese record"),
    submit_label=N_("Confirm and save"),
    steps=(
        Step("full_name", N_("Full name"), N_("Full name of the person living abroad?"), Kind.NAME),
        Step("gender", N_("Gender"), N_("Gender?"), Kind.CHOICE, required=False, options="gender"),
        Step("birth_year", N_("Year of birth"), N_("Year of birth (e.g. 1985)?"), Kind.YEAR, required=False),
        Step(
            "country",
            N_("Country of residence"),
            N_("Which country do they live in (e.g. Mỹ, Nhật, Hàn Quốc, Đức)?"),
            Kind.COUNTRY,
        ),
        Step("city", N_("City"), N_("City or region where they live? (optional)"), Kind.TEXT, required=False),
        Step(
            "abroad_since",
            N_("Abroad since"),
            N_("Since which year have they lived abroad? (optional)"),
            Kind.YEAR,
            required=False,
            validators=("not_before:birth_year",),
        ),
        Step(
            "group_code",
            N_("Occupation or group"),
            N_("Occupation or group?"),
            Kind.CHOICE,
            required=False,
            options="overseas_group",
        ),
        Step(
            "association",
            N_("Association"),
            N_("Which overseas Vietnamese association do they belong to? (optional)"),
            Kind.TEXT,
            required=False,
        ),
        Step(
            "contact",
            N_("Contact"),
            N_("How can they be contacted (phone, email, Zalo, Facebook)? (optional)"),
            Kind.TEXT,
            required=False,
        ),
        Step(
            "relative_name",
            N_("Relative at home"),
            N_("Full name of their relative living in the commune? (skip if none)"),
            Kind.NAME,
            required=False,
        ),
        Step(
            "relationship",
            N_("Relationship"),
            N_("How is the relative related to them (e.g. bố, mẹ, anh trai)?"),
            Kind.TEXT,
            required=False,
            when=_HAS_RELATIVE,
            max_length=100,
        ),
        Step(
            "relative_address",
            N_("Relative's address"),
            N_("The relative's hamlet or address in the commune?"),
            Kind.TEXT,
            required=False,
            when=_HAS_RELATIVE,
        ),
        Step(
            "relative_phone",
            N_("Relative's phone"),
            N_("The relative's mobile number (e.g. 0912 345 678)? (optional)"),
            Kind.PHONE,
            required=False,
            when=_HAS_RELATIVE,
        ),
        Step(
            "relative_in_association",
            N_("Member of the Association of Relatives"),
            N_("Is the relative a member of the Association of Relatives of Overseas Vietnamese?"),
            Kind.CHOICE,
            required=False,
            options="yes_no",
            when=_HAS_RELATIVE,
        ),
        _note(
            "contributions",
            N_("Contributions"),
            N_("Their contributions to the homeland (charity, “Vì người nghèo” fund, investment)? (optional)"),
        ),
        _note(
            "aspirations",
            N_("Aspirations and concerns"),
            N_("Their aspirations and concerns (tâm tư, nguyện vọng)? (optional)"),
        ),
        _note("visits", N_("Visits home"), N_("Visits home (e.g. every Tết)? (optional)")),
        _note("commendations", N_("Commendations"), N_("Commendations they received? (optional)")),
    ),
)

STATUS_FORM = Form(
    name="overseas_status",
    version=1,
    title=N_("Change of status"),
    review=False,
    steps=(
        Step("status", N_("Status"), N_("What is the person's status now?"), Kind.CHOICE, options="overseas_status"),
    ),
)

DELETE_FORM = Form(
    name="overseas_delete",
    version=1,
    title=N_("Deleting a record"),
    submit_label=N_("Delete the personal data"),
    steps=(
        Step(
            "reason",
            N_("Reason"),
            N_(
                "Why is the record being deleted (e.g. “the person asked to be removed”, “entered twice”)? "
                "The personal data will be erased; the reason is kept in the audit log."
            ),
            Kind.TEXT,
        ),
    ),
)

SEARCH_FORM = Form(
    name="overseas_search",
    version=1,
    title=N_("Search the register"),
    review=False,
    steps=(
        Step(
            "query",
            N_("Search"),
            N_("Type a name (of the person abroad or of a relative) or a country; diacritics are optional."),
            Kind.TEXT,
            max_length=100,
        ),
    ),
)


def choice_label(catalogue: str, value: str | None, i18n: I18n) -> str:
    labels = dict(CHOICES[catalogue])
    return i18n.t(labels[value]) if value in labels else (value or "")


def static_options(catalogue: str) -> Callable[[Ctx, I18n], Awaitable[Sequence[tuple[str, str]]]]:
    async def source(ctx: Ctx, i18n: I18n) -> Sequence[tuple[str, str]]:
        return [(value, i18n.t(label)) for value, label in CHOICES[catalogue]]

    return source


def not_before(value: Any, env: FormEnv, answers: Mapping[str, Any], argument: str | None) -> None:
    earlier = answers.get(argument or "")
    if isinstance(earlier, int) and value < earlier:
        raise InvalidInput(N_("That is before the year of birth ({year}); please check it."), year=earlier)


def needs_data_key(value: Any, env: FormEnv, answers: Mapping[str, Any], argument: str | None) -> None:
    """Notes are stored only encrypted; without a key the officer is told to skip rather than losing the form."""
    if "encrypt" not in env.capabilities:
        raise InvalidInput(
            N_("Notes cannot be stored yet: the administrator has not set up encryption. Please type “skip”.")
        )
