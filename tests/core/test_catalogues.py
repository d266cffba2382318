"""Every app's translations, checked against the source and against a fresh compile (not against themselves).

- The messages are extracted from the source with Django's `makemessages` (GNU gettext) into a temporary
  folder, app by app; every one of them must be in the app's English and French catalogues, translated
  and not fuzzy, with the msgid's placeholders kept. A string added to the code without its translation
  fails here, whether or not anyone ran `makemessages`.
- Each `.po` is compiled again with `msgfmt` into a temporary folder and compared, message by message,
  with the committed `.mo` that Django reads at run time: a `.po` edited without `compilemessages` fails,
  whatever the files' modification times say.
"""

import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.core.management import call_command

import gridcare

SOURCE = Path(gridcare.__file__).parent
LANGUAGES = ["en", "fr"]
# Every app with user-facing strings has its own catalogue (demo included: its commands talk to people).
APPS = sorted(p.parent.name for p in SOURCE.glob("*/apps.py"))
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sd]|%%|\{[a-z_0-9]+\}")

# In CI (.ci/run installs gettext) a missing gettext is a failure, not a skip.
pytestmark = pytest.mark.skipif(
    shutil.which("msgfmt") is None and not os.environ.get("CI"),
    reason="GNU gettext (msgfmt, xgettext) is needed",
)


def _key(message) -> str:
    singular = message.id[0] if isinstance(message.id, tuple) else message.id
    return f"[{message.context}] {singular}" if message.context else singular


def _forms(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, list]:
    """app -> the messages `makemessages` finds in its source (.py, .html, .txt), extracted off the tree."""
    found = {}
    root = tmp_path_factory.mktemp("makemessages")
    here = os.getcwd()
    try:
        for app in APPS:
            copy = root / app
            shutil.copytree(
                SOURCE / app, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "*.po", "*.mo")
            )
            (copy / "locale").mkdir()
            os.chdir(copy)
            call_command("makemessages", locale=["en"], no_location=True, no_obsolete=True, verbosity=0)
            po = copy / "locale" / "en" / "LC_MESSAGES" / "django.po"
            if po.exists():
                with po.open("rb") as handle:
                    found[app] = [m for m in read_po(handle) if m.id]
            else:
                found[app] = []
    finally:
        os.chdir(here)
    return found


def _catalogue(app: str, language: str):
    path = SOURCE / app / "locale" / language / "LC_MESSAGES" / "django.po"
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def test_the_extraction_finds_the_strings_of_the_code(extracted):
    # Guards the check below against an extraction that silently finds nothing.
    billing = {_key(m) for m in extracted["billing"]}
    assert "Hoá đơn tiền điện" in billing  # a template string
    assert any(isinstance(m.id, tuple) for m in extracted["billing"])  # a plural ("%(days)s ngày")
    assert "thông báo trên ứng dụng" in {_key(m) for m in extracted["notifications"]}  # a model choice


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_of_the_source_is_translated(extracted, language):
    problems = []
    for app in APPS:
        messages = extracted[app]
        if not messages:
            continue
        catalogue = _catalogue(app, language)
        if catalogue is None:
            problems.append(
                f"{app}: no locale/{language}/LC_MESSAGES/django.po for its {len(messages)} messages"
            )
            continue
        for message in messages:
            entry = catalogue.get(message.id, context=message.context)
            if entry is None:
                problems.append(f"{app} [{language}] missing: {_key(message)!r}")
            elif entry.fuzzy:
                problems.append(f"{app} [{language}] fuzzy: {_key(message)!r}")
            elif not all(_forms(entry.string)):
                problems.append(f"{app} [{language}] empty: {_key(message)!r}")
            elif isinstance(message.id, tuple) != isinstance(entry.id, tuple):
                problems.append(f"{app} [{language}] plural forms differ from the source: {_key(message)!r}")
            else:
                wanted = sorted(PLACEHOLDER.findall(_forms(message.id)[0]))
                lost = [s for s in _forms(entry.string) if sorted(PLACEHOLDER.findall(s)) != wanted]
                if lost and "python-format" in entry.flags:
                    problems.append(f"{app} [{language}] placeholders {wanted} not kept: {_key(message)!r}")
    assert problems == [], (
        f"{len(problems)} message(s) of the source lack a {language} translation (write it in the app's .po, then "
        "`gridcare compilemessages`):\n" + "\n".join(problems)
    )


def _compiled_catalog(mo: Path) -> dict:
    with mo.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    # The header (msgid "") holds revision dates; the messages are what Django serves.
    return {k: v for k, v in translations._catalog.items() if k != ""}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("app", APPS)
def test_the_committed_mo_is_the_po_compiled(app, language, tmp_path):
    po = SOURCE / app / "locale" / language / "LC_MESSAGES" / "django.po"
    if not po.exists():
        pytest.skip(f"{app} has no {language} catalogue (the check above says whether it needs one)")
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run `gridcare compilemessages`"
    fresh = tmp_path / "django.mo"
    msgfmt = shutil.which("msgfmt")
    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(po)], check=True, capture_output=True)  # noqa: S603
    committed, expected = _compiled_catalog(mo), _compiled_catalog(fresh)
    stale = sorted(
        {str(k) for k in expected.keys() - committed.keys()}
        | {str(k) for k in committed.keys() - expected.keys()}
        | {str(k) for k in expected.keys() & committed.keys() if expected[k] != committed[k]}
    )
    assert stale == [], (
        f"{mo} differs from its .po ({len(stale)} messages): run `gridcare compilemessages`\n"
        + ("\n".join(stale[:50]))
    )
