"""ID numbers: length, characters, date of birth, check character."""
from datetime import date

import pytest

from examsys.personnel import idnumber

VALID = "11010519491231002X"


def test_a_valid_number_passes_and_reads_its_facts():
    assert idnumber.problem(VALID) is None
    assert idnumber.birth_date(VALID) == date(1949, 12, 31)
    assert idnumber.sex_of(VALID) == "F"
    assert idnumber.mask(VALID) == "1101**********002X"


@pytest.mark.parametrize(("number", "message"), [
    ("110105194912310021", "check character"),
    ("110105194902300028", "does not exist"),
    ("1101051949123100", "18 characters"),
    ("11010519491231002Y", "17 digits"),
])
def test_bad_numbers_say_what_is_wrong(number, message):
    assert message in idnumber.problem(number)


def test_normalise_folds_full_width_and_lower_case():
    assert idnumber.normalise(" １１０１０５１９４９１２３１００２ｘ ") == VALID
