"""The forms of the exchange pages: an HTCDS file to import, a format to export in."""

from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from . import ctdc, htcds, preview


class ImportUploadForm(forms.Form):
    """An HTCDS v2.0 file: checked here for its kind, its size and that it can be read; its rows are
    checked by the preview."""

    file = forms.FileField(
        label=_("HTCDS v2.0 file"),
        help_text=_(
            "The official template (.xlsx: field names in row 1, labels in row 2, cases from row 3) or a "
            ".csv file with the field names in its first row."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "import-%s")
        super().__init__(*args, **kwargs)
        self.data_bytes = b""
        self.rows = 0

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = PurePath(upload.name or "").name
        if htcds.file_format(name) is None:
            raise forms.ValidationError(
                _("“%(name)s” is not an .xlsx or a .csv file: save the cases as one of these.") % {"name": name}
            )
        limit = settings.EXCHANGE_IMPORT_MAX_BYTES
        if (upload.size or 0) > limit:
            raise forms.ValidationError(
                _("The file is too large (%(size)s; at most %(limit)s): split it into several files.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        data = upload.read()
        try:
            rows = preview.count_rows(data, name, up_to=settings.EXCHANGE_IMPORT_BACKGROUND_ROWS)
        except preview.UnreadableFile as exc:
            raise forms.ValidationError(str(exc)) from None
        if rows == 0:
            raise forms.ValidationError(_("The file has field names but no rows of cases."))
        self.data_bytes, self.rows = data, rows
        upload.name = name
        return upload


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("xlsx", _("Excel workbook (.xlsx), the template's layout")),
            ("csv", _("CSV (.csv), field names in the first row")),
        ],
        widget=forms.RadioSelect,
        initial="xlsx",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "export-%s")
        super().__init__(*args, **kwargs)


class CtdcForm(forms.Form):
    """The k of a CTDC file: never below CTDC's own releases on the page (the command may go lower)."""

    k = forms.IntegerField(
        label=_("k (each combination occurs at least this many times)"),
        help_text=_("At least 11, as CTDC's own releases; a larger k hides more but leaves more records out."),
        min_value=ctdc.DEFAULT_K,
        max_value=1000,
        initial=ctdc.DEFAULT_K,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "ctdc-%s")
        super().__init__(*args, **kwargs)
