"""Import from and export to CSV and XLSX in the admin; exports are masked and audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import audit_record
from core.models import AuditLog
from stations.admin.base import acting_user
from stations.imports import UnreadableFile, import_records

ExportColumn = tuple[str, Callable[[Any], object]]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV (UTF-8) or XLSX file"))
    good_rows_only = forms.BooleanField(
        label=_("Import the good rows even if some rows are bad"), required=False
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Choose a .csv or .xlsx file."))
        return upload


class TransferMixin:
    """Adds an "Import" page (``import_kind``) and export actions (``export_columns``)."""

    import_kind: str = ""
    export_columns: list[ExportColumn] = []
    change_list_template = "admin/stations/change_list_with_import.html"

    def get_urls(self) -> list[Any]:
        urls: list[Any] = super().get_urls()  # type: ignore[misc]
        if not self.import_kind:
            return urls
        opts = self.model._meta  # type: ignore[attr-defined]
        view = path(
            "import/",
            self.admin_site.admin_view(self.import_view),  # type: ignore[attr-defined]
            name=f"{opts.app_label}_{opts.model_name}_import",
        )
        return [view, *urls]

    def has_import_permission(self, request: HttpRequest) -> bool:
        return bool(self.import_kind) and self.has_add_permission(request)  # type: ignore[attr-defined]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
        }
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = import_records(
                    kind=self.import_kind,
                    source=upload,
                    filename=upload.name,
                    by=acting_user(request),
                    good_rows_only=form.cleaned_data["good_rows_only"],
                )
            except UnreadableFile as error:
                form.add_error("file", error.message)
            else:
                level = messages.SUCCESS if report.written else messages.ERROR
                self.message_user(request, report.summary(), level)  # type: ignore[attr-defined]
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": self.model._meta,  # type: ignore[attr-defined]
            "title": _("Import %(records)s") % {"records": self.model._meta.verbose_name_plural},  # type: ignore[attr-defined]
            "form": form,
            "report": report,
        }
        return TemplateResponse(request, "admin/stations/import.html", context)

    def _export_rows(
        self, request: HttpRequest, queryset: QuerySet[Any], fmt: str
    ) -> list[list[str]]:
        opts = queryset.model._meta
        rows = [[header for header, _ in self.export_columns]]
        for obj in queryset:
            rows.append(
                ["" if (v := value(obj)) is None else str(v) for _, value in self.export_columns]
            )
        audit_record(
            actor=acting_user(request),
            action=AuditLog.Action.EXPORT,
            object_type=opts.label_lower,
            detail={"format": fmt, "count": len(rows) - 1},
            ip_address=request.META.get("REMOTE_ADDR"),
        )
        return rows

    def _filename(self, queryset: QuerySet[Model], extension: str) -> str:
        return f"{queryset.model._meta.model_name}-{timezone.localdate():%Y%m%d}.{extension}"

    @admin.action(description=_("Export the selected rows as CSV (masked)"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(self._export_rows(request, queryset, "csv"))
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{self._filename(queryset, "csv")}"'
        )
        return response

    @admin.action(description=_("Export the selected rows as XLSX (masked)"))
    def export_xlsx(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        for row in self._export_rows(request, queryset, "xlsx"):
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{self._filename(queryset, "xlsx")}"'
        )
        return response
