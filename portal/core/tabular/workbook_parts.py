"""Checking an ``.xlsx`` package part by part before openpyxl opens it.

An ``.xlsx`` file is a zip archive of XML parts, and openpyxl trusts them: it unpacks what the
zip directory declares, keeps every shared string in memory, pads rows out to the size the sheet
*declares* (``<dimension>``, a row numbered 1,048,576), parses each row whole before it hands it
over, and keeps XML elements it does not know. A small upload can therefore cost minutes and
gigabytes. ``workbook_parts_check`` reads the package once, as bytes, and refuses it at the first
sign that it is larger than ``SheetLimits`` allow or built in a way no spreadsheet program
builds one:

* the zip directory: at most ``MAX_PARTS`` parts, not encrypted, stored or deflated, and the
  uncompressed sizes together at most ``limits.max_unpacked_bytes``; while unpacking, the bytes
  are counted again (``zipfile`` also stops at the declared size and checks the CRC);
* every XML part is scanned as bytes (tens of megabytes a second, no tree built): no ``<!``
  (document types, entities, comments, CDATA) and no processing instruction but the XML
  declaration, so every ``<`` that is left starts or ends an element; no stretch of more than
  ``MAX_TEXT_BYTES`` without a ``<`` (one huge text or attribute); at most ``MAX_TAGS_PER_ITEM``
  tags from one row or shared string to the next, which bounds what openpyxl builds at once and
  how deep elements can nest; at most ``limits.max_row_number`` rows per sheet (empty rows
  included), ``limits.max_columns`` cells per row and ``limits.max_cells`` cells and shared
  strings in the package, and a number of tags in proportion to them;
* XML in UTF-16 (never written by spreadsheet programs, and opaque to this scan) is refused;
  parts that are not XML (pictures) are only counted in the unpacked size.

The cells themselves are counted again while openpyxl reads them (``reading``): this scan bounds
the cost of reading, that count is what the limits promise.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from portal.core.tabular.limits import (
    SheetLimits,
    too_many_cells,
    too_many_columns,
    too_many_rows_with_empty_ones,
    workbook_too_large_unpacked,
    workbook_unusual,
)

# A workbook of a few sheets has a few dozen parts; one with every kind of content, hundreds.
MAX_PARTS = 1_000
CHUNK_BYTES = 256 * 1024
# Excel keeps at most 32,767 characters in a cell: written as XML, at most some 200 kB.
MAX_TEXT_BYTES = 1024 * 1024
# One row of a few dozen cells with rich text has a few thousand tags; a large styles part (no
# rows at all) some tens of thousands. Larger than the tags one chunk can hold (a tag takes at
# least 3 bytes), so that only the tags before an item's start and after the last one in a chunk
# need counting.
MAX_TAGS_PER_ITEM = 100_000
# Tags a workbook needs besides those of its cells, rows and shared strings (styles, theme,
# sheet settings, merged cells, validations, ...).
TAGS_BESIDES_CELLS = 200_000
# A cell takes at most 8 tags (<c><is><t></t></is></c>, or <c><f></f><v></v></c>); a shared
# string 4 (<si><t></t></si>) or a few more with rich text; a row 2.
TAGS_PER_CELL = 8
TAGS_PER_ROW = 4
# Some slack over the limits of the cells that ``reading`` counts exactly, so that the exact
# count (and its message) decides for a file near the limits.
SCAN_SLACK = 1_000

_XML_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<\?xml[^<>]{0,200}\?>")
_PREFIX = rb"(?:[A-Za-z_][\w.\-]{0,40}:)?"
# Elements that start an item (a row, a shared string) or a cell, with any namespace prefix
# (spreadsheet programs write none; some generators write one). Without a prefix the search is
# twice as fast, so prefixes are looked for first.
_NAMES = re.compile(rb"<(row|si|c)[\s/>]")
_PREFIXED = re.compile(rb"<[A-Za-z_][\w.\-]{0,40}:(?:row|si|c)[\s/>]")
_PREFIXED_NAMES = re.compile(rb"<" + _PREFIX + rb"(row|si|c)[\s/>]")
_ITEM = re.compile(rb"<" + _PREFIX + rb"(?:row|si)[\s/>]")
_LAST_ITEM = re.compile(rb"(?s:.*)(<" + _PREFIX + rb"(?:row|si)[\s/>])")
# The tag name after the last "<" of a chunk may be cut off; it is kept for the next chunk when
# it is this close to the end.
_CARRY_BYTES = 64


@dataclass
class _PackageCount:
    unpacked: int = 0
    cells: int = 0
    strings: int = 0
    rows: int = 0
    tags: int = 0


def workbook_parts_check(archive: zipfile.ZipFile, limits: SheetLimits) -> None:
    """Refuse ``archive`` with an ``ImportFileError`` if reading it with openpyxl could cost more
    than a workbook within ``limits``; read nothing into memory beyond one chunk at a time.

    Raises ``zipfile.BadZipFile`` (or ``OSError``, ``ValueError``, ...) for a damaged archive:
    the caller says "not a workbook".
    """
    members = archive.infolist()
    if len(members) > MAX_PARTS:
        raise workbook_unusual()
    declared = 0
    for member in members:
        if member.flag_bits & 0x1 or member.compress_type not in (
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
        ):
            raise workbook_unusual()
        declared += member.file_size
    if declared > limits.max_unpacked_bytes:
        raise workbook_too_large_unpacked()
    count = _PackageCount()
    for member in members:
        if not member.is_dir():
            _part_check(archive, member, limits, count)
    allowed_tags = (
        TAGS_PER_CELL * (count.cells + count.strings)
        + TAGS_PER_ROW * count.rows
        + TAGS_BESIDES_CELLS
    )
    if count.tags > allowed_tags:
        raise workbook_unusual()


def _part_check(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: SheetLimits, count: _PackageCount
) -> None:
    with archive.open(member) as stream:
        chunks = _counted_chunks(stream, member, limits, count)
        head = next(chunks, b"")
        if not _is_xml(head):
            # A picture or other binary part: only its size counts (an XML parser would stop at
            # its first byte).
            for _chunk in chunks:
                pass
            return
        scanner = _XmlScanner(limits, count)
        scanner.feed(_without_declaration(head))
        for chunk in chunks:
            scanner.feed(chunk)
        scanner.finish()


def _counted_chunks(
    stream: IO[bytes], member: zipfile.ZipInfo, limits: SheetLimits, count: _PackageCount
) -> Iterator[bytes]:
    """The part's bytes, chunk by chunk, counted against its declared size and the limit.
    (``zipfile`` itself stops at the declared size and checks the CRC; counting again costs
    nothing and does not rest on that.)"""
    unpacked = 0
    while chunk := stream.read(CHUNK_BYTES):
        unpacked += len(chunk)
        count.unpacked += len(chunk)
        if unpacked > member.file_size or count.unpacked > limits.max_unpacked_bytes:
            raise workbook_too_large_unpacked()
        yield chunk


def _is_xml(head: bytes) -> bool:
    """Whether an XML parser would read this part. XML in UTF-16 or UTF-32 is refused."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[:4] in (
        b"\x00<\x00?",
        b"<\x00?\x00",
        b"\x00\x00\x00<",
        b"<\x00\x00\x00",
        b"\x00<\x00\x00",
        b"\x00\x00<\x00",
    ):
        raise workbook_unusual()
    stripped = head.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n")
    if stripped.startswith((b"\x00", b"<\x00")):
        raise workbook_unusual()
    return stripped.startswith(b"<")


def _without_declaration(head: bytes) -> bytes:
    match = _XML_DECLARATION.match(head)
    return head[match.end() :] if match else head


class _XmlScanner:
    """Counts the tags, rows, cells and shared strings of one XML part, chunk by chunk."""

    def __init__(self, limits: SheetLimits, count: _PackageCount) -> None:
        self.limits = limits
        self.count = count
        self.max_rows = limits.max_row_number + SCAN_SLACK
        self.max_cells = limits.max_cells + SCAN_SLACK
        self.max_tags = (
            TAGS_PER_CELL * 2 * self.max_cells + TAGS_PER_ROW * self.max_rows + TAGS_BESIDES_CELLS
        )
        self.carry = b""
        self.rows = 0
        self.cells_in_row = 0
        self.tags_in_item = 0
        self.since_tag = 0  # bytes since the last "<"

    def feed(self, chunk: bytes) -> None:
        data = self.carry + chunk
        cut = data.rfind(b"<")
        if cut == -1 or len(data) - cut > _CARRY_BYTES:
            cut = len(data)
        self.carry = data[cut:]
        self._region(data[:cut])

    def finish(self) -> None:
        self._region(self.carry)
        self.carry = b""

    def _region(self, region: bytes) -> None:
        if not region:
            return
        if b"<!" in region or b"<?" in region:
            raise workbook_unusual()
        first = region.find(b"<")
        if first == -1:
            self.since_tag += len(region)
        else:
            if self.since_tag + first > MAX_TEXT_BYTES:
                raise workbook_unusual()
            self.since_tag = len(region) - region.rfind(b"<") - 1
        if self.since_tag > MAX_TEXT_BYTES:
            raise workbook_unusual()
        tags = region.count(b"<")
        self.count.tags += tags
        if self.count.tags > self.max_tags:
            raise workbook_unusual()
        names = (_PREFIXED_NAMES if _PREFIXED.search(region) else _NAMES).findall(region)
        if not names:
            self._item_tags(tags)
            return
        first = _ITEM.search(region)
        if first is None:
            self._item_tags(tags)
        else:
            self._item_tags(region.count(b"<", 0, first.start()))
            self.tags_in_item = 0
            self._item_tags(region.count(b"<", _LAST_ITEM.match(region).start(1)))
        # The items in order, as one string ("rowccc" + "rowcc" + ... or "sisi..."): counting in
        # C, not per element in Python.
        joined = b"".join(names)
        strings = joined.count(b"si")
        if strings:
            self.count.strings += strings
            if self.count.strings > self.max_cells:
                raise workbook_unusual()
        # The cells before the first row start in this chunk belong to the row still open, or
        # to no row at all (the calculation chain lists cells too).
        before, *rows = joined.split(b"row")
        if self.rows:
            self._cells(before.count(b"c"))
        if rows:
            self.rows += len(rows)
            self.count.rows += len(rows)
            if self.rows > self.max_rows:
                raise too_many_rows_with_empty_ones(self.limits)
            for row in rows:
                self.cells_in_row = 0
                self._cells(row.count(b"c"))

    def _cells(self, cells: int) -> None:
        self.cells_in_row += cells
        if self.cells_in_row > self.limits.max_columns:
            raise too_many_columns(self.limits)
        self.count.cells += cells
        if self.count.cells > self.max_cells:
            raise too_many_cells(self.limits)

    def _item_tags(self, tags: int) -> None:
        self.tags_in_item += tags
        if self.tags_in_item > MAX_TAGS_PER_ITEM:
            raise workbook_unusual()
