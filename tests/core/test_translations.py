from __future__ import annotations

import gettext
import shutil
import subprocess

import pytest
from django.utils import translation

from stations.models import JobPost, JobSeeker
from tests.helpers import PROJECT_DIR

CATALOGUE = PROJECT_DIR / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_model_names_and_choices_are_translated_into_chinese():
    with translation.override("zh-hans"):
        assert str(JobSeeker._meta.verbose_name) == "求职者"
        assert str(JobPost.Status.OPEN.label) == "招聘中"
    with translation.override("en"):
        assert str(JobSeeker._meta.verbose_name) == "job seeker"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_the_committed_catalogue_is_complete_and_compiled(tmp_path):
    compiled = tmp_path / "django.mo"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(compiled), str(CATALOGUE / "django.po")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr, result.stderr
    assert "fuzzy" not in result.stderr, result.stderr
    with compiled.open("rb") as fresh, (CATALOGUE / "django.mo").open("rb") as committed:
        assert (
            gettext.GNUTranslations(fresh)._catalog == gettext.GNUTranslations(committed)._catalog
        )


def test_the_admin_answers_in_the_requested_language(client):
    assert 'lang="zh-hans"' in client.get("/admin/login/").content.decode()
    assert 'lang="en"' in client.get("/en/admin/login/").content.decode()
