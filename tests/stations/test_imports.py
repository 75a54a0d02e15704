from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.models import AuditLog
from seeds.loader import SEEDS_DIR
from stations.imports import UnreadableFile, import_records
from stations.models import Employer, JobPost, JobSeeker, Placement, SeekerSkill
from stations.models.organisation import StaffRole
from stations.services.staff import staff_assign
from tests import factories

pytestmark = pytest.mark.django_db

EXAMPLES = SEEDS_DIR / "examples"
KINDS_IN_ORDER = ("seekers", "employers", "posts", "placements")


@pytest.fixture(autouse=True)
def _frozen_day():
    # The example posts run in December 2026.
    with time_machine.travel(dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def example_rows(kind: str) -> list[dict[str, str]]:
    with (EXAMPLES / f"{kind}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_example_files_import_and_a_second_import_changes_nothing(seeded):
    first = {
        kind: import_records(kind=kind, source=EXAMPLES / f"{kind}.csv", by=None)
        for kind in KINDS_IN_ORDER
    }
    assert {kind: report.created for kind, report in first.items()} == {
        "seekers": 4,
        "employers": 4,
        "posts": 3,
        "placements": 2,
    }
    assert all(report.written and not report.problems for report in first.values())
    history_rows = JobSeeker.history.count()
    counts = (
        JobSeeker.objects.count(),
        Employer.objects.count(),
        JobPost.objects.count(),
        Placement.objects.count(),
        SeekerSkill.objects.count(),
    )
    again = {
        kind: import_records(kind=kind, source=EXAMPLES / f"{kind}.csv", by=None)
        for kind in KINDS_IN_ORDER
    }
    assert all((r.created, r.updated) == (0, 0) for r in again.values()), again
    assert [r.unchanged for r in again.values()] == [4, 4, 3, 2]
    assert JobSeeker.history.count() == history_rows
    assert counts == (
        JobSeeker.objects.count(),
        Employer.objects.count(),
        JobPost.objects.count(),
        Placement.objects.count(),
        SeekerSkill.objects.count(),
    )


def test_imported_seekers_are_stored_like_registered_ones(seeded):
    import_records(kind="seekers", source=EXAMPLES / "seekers.csv", by=None)
    row = example_rows("seekers")[0]
    seeker = JobSeeker.objects.get(phone=row["phone"])
    assert seeker.id_number_masked == row["id_number"][:6] + "********" + row["id_number"][-4:]
    assert row["id_number"] not in seeker.id_number_encrypted
    assert seeker.birth_date == dt.date(1985, 3, 9)
    assert set(seeker.key_groups.values_list("code", flat=True)) == {
        "rural_labour",
        "lifted_from_poverty",
    }
    skills = dict(seeker.skill_rows.values_list("occupation__code", "level"))
    assert skills == {"4-10-01-04": 4, "4-10-01-05": 0}
    created = seeker.history.get()
    assert (created.history_type, created.full_name, created.phone) == ("+", "孙丽", row["phone"])


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(seeded, tmp_path):
    rows = example_rows("seekers")
    rows[1]["id_number"] = rows[1]["id_number"][:17] + (
        "0" if rows[1]["id_number"][-1] != "0" else "1"
    )
    rows[2]["residence_region"] = "999999"
    rows.append({**rows[0], "full_name": "重复的人"})  # the same ID number as row 2
    report = import_records(kind="seekers", source=write_csv(tmp_path / "s.csv", rows), by=None)
    assert not report.written
    problems = {(p.row, p.column) for p in report.problems}
    assert problems == {(3, "id_number"), (4, "residence_region"), (6, "id_number")}
    assert "check character" in str(report.problems[0])
    assert "the same person as row 2" in {p.message for p in report.problems}
    assert JobSeeker.objects.count() == 0


def test_good_rows_only_writes_the_good_rows(seeded, tmp_path):
    rows = example_rows("seekers")
    rows[0]["phone"] = "12345"
    report = import_records(
        kind="seekers", source=write_csv(tmp_path / "s.csv", rows), by=None, good_rows_only=True
    )
    assert report.written
    assert report.created == 3
    assert [(p.row, p.column) for p in report.problems] == [(2, "phone")]
    assert JobSeeker.objects.count() == 3


def test_a_changed_value_updates_only_that_seeker_with_history(seeded, tmp_path):
    import_records(kind="seekers", source=EXAMPLES / "seekers.csv", by=None)
    rows = example_rows("seekers")
    rows[1]["expected_daily_wage"] = "300"
    rows[1]["skills"] += "|6-29-04-09:4:3"
    before = JobSeeker.history.count()
    report = import_records(kind="seekers", source=write_csv(tmp_path / "s.csv", rows), by=None)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    seeker = JobSeeker.objects.get(phone=rows[1]["phone"])
    assert seeker.expected_daily_wage == 300
    assert seeker.skill_rows.filter(occupation__code="6-29-04-09").exists()
    assert JobSeeker.history.count() == before + 1


def test_a_phone_of_another_person_is_refused(seeded, tmp_path):
    import_records(kind="seekers", source=EXAMPLES / "seekers.csv", by=None)
    rows = example_rows("seekers")[:1]
    rows[0]["phone"] = example_rows("seekers")[1]["phone"]
    report = import_records(kind="seekers", source=write_csv(tmp_path / "s.csv", rows), by=None)
    assert [(p.row, p.column) for p in report.problems] == [(2, "phone")]
    assert "another seeker" in report.problems[0].message


def test_xlsx_imports_like_csv_with_numbers_as_cells(seeded, tmp_path):
    rows = example_rows("seekers")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(rows[0]))
    for row in rows:
        values = list(row.values())
        values[2] = int(values[2]) if values[2] else None  # the phone typed as a number
        sheet.append(values)
    path = tmp_path / "seekers.xlsx"
    workbook.save(path)
    report = import_records(kind="seekers", source=path, by=None)
    assert (report.created, report.problems) == (4, [])
    assert JobSeeker.objects.filter(phone="13500135000").exists()


def test_an_employer_file_with_one_bad_row_writes_no_employer(seeded, tmp_path):
    rows = example_rows("employers")
    rows[2]["credit_code"] = rows[2]["credit_code"][:-1] + "0"
    report = import_records(kind="employers", source=write_csv(tmp_path / "e.csv", rows), by=None)
    assert [(p.row, p.column) for p in report.problems] == [(4, "credit_code")]
    assert not report.written
    assert Employer.objects.count() == 0


def test_placements_never_exceed_the_posts_openings(seeded, tmp_path):
    for kind in ("seekers", "employers", "posts"):
        import_records(kind=kind, source=EXAMPLES / f"{kind}.csv", by=None)
    post = JobPost.objects.get(reference="LZ-2026-0002")  # two openings
    phones = [row["phone"] for row in example_rows("seekers") if row["phone"]]
    rows = [
        {
            "seeker_id_number": "",
            "seeker_phone": phone,
            "post_reference": post.reference,
            "agreed_wage_amount": "30",
            "starts_on": "2026-12-01",
            "outcome": "flexible",
        }
        for phone in phones
    ]
    assert len(rows) == 3
    report = import_records(kind="placements", source=write_csv(tmp_path / "p.csv", rows), by=None)
    assert [p.row for p in report.problems] == [4]
    assert "takes no applications" in report.problems[0].message  # the post is full
    assert Placement.objects.count() == 0  # all or nothing
    good = import_records(
        kind="placements",
        source=write_csv(tmp_path / "p.csv", rows),
        by=None,
        good_rows_only=True,
    )
    assert good.created == 2
    post.refresh_from_db()
    assert post.status == JobPost.Status.FILLED


def test_a_file_of_another_kind_is_refused_with_the_missing_columns(seeded):
    with pytest.raises(UnreadableFile, match="lacks the columns: full_name, household"):
        import_records(kind="seekers", source=EXAMPLES / "employers.csv", by=None)
    with pytest.raises(UnreadableFile, match=r"\.csv"):
        import_records(kind="seekers", source=io.BytesIO(b"x"), filename="seekers.txt", by=None)


def test_the_command_reports_bad_rows_and_fails(seeded, tmp_path):
    rows = example_rows("seekers")
    rows[0]["household"] = "nomad"
    path = write_csv(tmp_path / "s.csv", rows)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 bad rows: nothing was imported"):
        call_command("import_records", "seekers", str(path), stdout=io.StringIO(), stderr=err)
    assert "row 2, column household: 'nomad' is not one of rural, urban" in err.getvalue()
    out = io.StringIO()
    call_command("import_records", "seekers", str(EXAMPLES / "seekers.csv"), stdout=out)
    assert "4 created" in out.getvalue()


def test_the_admin_imports_a_file_and_shows_the_bad_rows(seeded, client, tmp_path):
    station = factories.StationFactory()
    user = factories.UserFactory(username="clerk")
    staff_assign(user=user, role=StaffRole.STATION_STAFF, stations=[station])
    client.force_login(user)
    rows = example_rows("seekers")
    rows[3]["phone"] = "not a phone"
    path = write_csv(tmp_path / "s.csv", rows)
    url = reverse("admin:stations_jobseeker_import")
    with path.open("rb") as upload:
        page = client.post(url, {"file": upload}).content.decode()
    assert "nothing written" in page
    assert "<td>5</td><td>phone</td>" in page
    assert JobSeeker.objects.count() == 0
    with path.open("rb") as upload:
        client.post(url, {"file": upload, "good_rows_only": "on"})
    assert JobSeeker.objects.count() == 3
    assert AuditLog.objects.filter(action="import", actor=user).count() == 1


def test_exports_are_masked_and_audited(seeded, admin_client):
    import_records(kind="seekers", source=EXAMPLES / "seekers.csv", by=None)
    ids = list(JobSeeker.objects.values_list("pk", flat=True))
    url = reverse("admin:stations_jobseeker_changelist")
    response = admin_client.post(url, {"action": "export_csv", "_selected_action": ids})
    text = response.content.decode("utf-8-sig")
    for row in example_rows("seekers"):
        if row["phone"]:
            assert row["phone"] not in text
            assert row["phone"][:3] + "****" + row["phone"][-4:] in text
        if row["id_number"]:
            assert row["id_number"] not in text
    assert len(list(csv.reader(io.StringIO(text)))) == 5
    xlsx = admin_client.post(url, {"action": "export_xlsx", "_selected_action": ids})
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert sheet.max_row == 5
    exports = AuditLog.objects.filter(action="export").order_by("at")
    assert [entry.detail for entry in exports] == [
        {"format": "csv", "count": 4},
        {"format": "xlsx", "count": 4},
    ]
