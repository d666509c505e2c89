"""Reading and writing spreadsheets (CSV and XLSX) for any upload or download of the portal.

* ``reading``: ``table_read`` turns an uploaded ``.csv`` or ``.xlsx`` file into text cells, or
  refuses it as a whole with an ``ImportFileError`` that says what to do; ``sheet_from_table``
  keeps the columns the caller names, with formula cells as ``RowError``s.
* ``limits``: ``SheetLimits`` (what one kind of upload may hold), counted while the file is read;
  ``workbook_parts`` checks a workbook's parts as bytes before openpyxl opens it.
* ``cells``: ``integer_parse`` and ``date_parse`` read one cell's text.
* ``formulas``: ``formula_escape`` makes a cell that leaves the portal safe from formula
  injection; ``formula_unescape`` undoes it on upload.

The caller brings what is its own: its limits, its column codes, its messages. The offerings
import (``providers.imports``) and the attendance upload (``contracts.progress_upload``) use
these modules.
"""
