"""Spreadsheet-safe cells: formulas become text, plain numbers stay numbers."""

import pytest

from gridcare.core.spreadsheets import safe_cell, safe_row


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ("-A1", "'-A1"),
        ("-", "'-"),
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("a=b", "a=b"),
        ("", ""),
        # Plain numbers are data: a credit note's amount, a phone number in E.164.
        ("-5", "-5"),
        ("-1.5", "-1.5"),
        ("+84912345678", "+84912345678"),
        ("-.5", "-.5"),
    ],
)
def test_a_text_a_spreadsheet_would_run_gets_an_apostrophe(value, written):
    assert safe_cell(value) == written


def test_values_that_are_not_text_are_left_alone():
    assert safe_row([-5, None, 1.5, "=x"]) == [-5, None, 1.5, "'=x"]
