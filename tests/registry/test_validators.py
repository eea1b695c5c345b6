from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from chengxin.core.pii import mask_id_number
from chengxin.registry.validators import (
    USCC_ALPHABET,
    USCC_CATEGORIES,
    CodeError,
    id_check_char,
    uscc_check_char,
    validate_id_number,
    validate_uscc,
)

# Real, published codes.
KNOWN_VALID = [
    "91110000600037341L",  # python-stdnum's own example
    "91350100M000100Y43",
]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_codes(code: str) -> None:
    assert validate_uscc(code) == code


@pytest.mark.parametrize("authority", ["A", "N", "Y"])
def test_letter_registration_authorities_are_accepted(authority: str) -> None:
    """python-stdnum 2.2 rejects these (it wants 8 leading digits); GB 32100
    allows letters A, N and Y as the registration authority."""
    category = USCC_CATEGORIES[authority][0]
    body = authority + category + "110105" + "MA01ABCD2"
    code = body + uscc_check_char(body)
    assert validate_uscc(code) == code
    assert not stdnum_uscc.is_valid(code)  # the known trap; if stdnum fixes it, fine to drop


def test_full_width_input_is_normalised() -> None:
    code = "91350100M000100Y43"
    full_width = unicodedata.normalize("NFKC", code).translate(
        {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"}
    )
    assert full_width != code
    assert validate_uscc(full_width) == code
    assert validate_uscc(" 9135-0100 m000100y43 ") == code


def test_wrong_check_character_says_what_it_should_be() -> None:
    with pytest.raises(CodeError) as err:
        validate_uscc("91350100M000100Y44")
    assert err.value.position == 18
    assert err.value.expected == "3"
    assert "“4”" in err.value.message and "“3”" in err.value.message


@pytest.mark.parametrize(
    ("code", "position"),
    [
        ("9I350100M000100Y43", 2),  # I is never allowed
        ("91350100M0001O0Y43", 14),  # letter O
        ("Z1350100M000100Y43", 1),
        ("941100006000373410", 2),  # category 4 not defined for 工商 (9)
        ("91A50100M000100Y43", 3),  # division code must be digits
    ],
)
def test_bad_characters_are_named(code: str, position: int) -> None:
    with pytest.raises(CodeError) as err:
        validate_uscc(code)
    assert err.value.position == position
    assert str(position) in err.value.message


def test_wrong_length() -> None:
    with pytest.raises(CodeError, match="18"):
        validate_uscc("9135010")


uscc_bodies = st.tuples(
    st.sampled_from(sorted(USCC_CATEGORIES)),
    st.data(),
    st.sampled_from(["110105", "330106", "440300", "100000", "650100"]),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)


@settings(max_examples=300)
@given(uscc_bodies)
def test_every_well_formed_code_validates_and_matches_stdnum_checksum(parts) -> None:  # type: ignore[no-untyped-def]
    authority, data, division, org = parts
    category = data.draw(st.sampled_from(USCC_CATEGORIES[authority]))
    body = authority + category + division + org
    check = uscc_check_char(body)
    # Same weights and alphabet as the independent implementation.
    assert check == stdnum_uscc.calc_check_digit(body)
    assert validate_uscc(body + check) == body + check
    # Any other check character is refused, naming position 18.
    wrong = USCC_ALPHABET[(USCC_ALPHABET.index(check) + 1) % 31]
    with pytest.raises(CodeError) as err:
        validate_uscc(body + wrong)
    assert err.value.position == 18 and err.value.expected == check


@settings(max_examples=200)
@given(st.text(max_size=30))
def test_validator_never_crashes(value: str) -> None:
    try:
        out = validate_uscc(value)
    except CodeError as exc:
        assert exc.message
    else:
        assert len(out) == 18


# --- resident identity numbers ------------------------------------------

def test_known_id_number() -> None:
    assert validate_id_number("11010519491231002X") == "11010519491231002X"
    assert validate_id_number("11010519491231002x") == "11010519491231002X"


def test_fifteen_digit_numbers_are_refused_with_reason() -> None:
    with pytest.raises(CodeError, match="15"):
        validate_id_number("110105491231002")


def test_bad_birth_date() -> None:
    body = "11010519490231002"
    with pytest.raises(CodeError) as err:
        validate_id_number(body + id_check_char(body))
    assert err.value.position == 7


def test_future_birth_date() -> None:
    body = "110105" + "20990101" + "002"
    with pytest.raises(CodeError):
        validate_id_number(body + id_check_char(body), today=dt.date(2026, 1, 1))


@settings(max_examples=300)
@given(
    st.sampled_from(["110101", "310104", "440305", "510107", "650102", "820000"]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_id_numbers_agree_with_stdnum(region: str, born: dt.date, seq: int) -> None:
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    code = body + id_check_char(body)
    assert validate_id_number(code, today=dt.date(2026, 1, 1)) == code
    assert stdnum_ric.calc_check_digit(code) == code[-1]  # stdnum wants the full number
    masked = mask_id_number(code)
    assert masked[:3] == code[:3] and masked[-4:] == code[-4:]
    assert masked[3:-4] == "*" * 11
    assert len(masked) == 18


@given(st.text(min_size=0, max_size=40))
def test_masking_never_reveals_the_middle(value: str) -> None:
    masked = mask_id_number(value)
    stripped = value.strip()
    assert len(masked) == len(stripped)
    if len(stripped) > 7:
        assert set(masked[3:-4]) == {"*"}
    else:
        assert set(masked) <= {"*"}
