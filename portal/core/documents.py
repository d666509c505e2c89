"""Wagtail's document form with one clear error for a refused file
(``WAGTAILDOCS_DOCUMENT_FORM_BASE``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from wagtail.documents.forms import BaseDocumentForm


class DocumentForm(BaseDocumentForm):
    """When the file itself was refused (too big), Wagtail's ``Document.clean`` still checks the
    extension of the file that is not there and adds "File extension "" is not allowed" under
    the real reason; that second message is left out."""

    def _update_errors(self, errors: ValidationError) -> None:
        if "file" in self._errors and hasattr(errors, "error_dict"):
            errors.error_dict.pop("file", None)
            if not errors.error_dict:
                return
        super()._update_errors(errors)
