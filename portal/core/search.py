"""The site's search backend: Wagtail's database backend, given words rather than query syntax.

Wagtail's database backend (SQLite FTS5, or PostgreSQL full-text search) puts each term of a
search box into its engine's own query language with too little escaping: a ``"`` in a term ends
FTS5's quoted string early (``unterminated string``), and a term of nothing but punctuation such
as ``-`` leaves PostgreSQL's query empty (``'NoneType' object has no attribute 'config'``). Both
were 500s in the admin's listings and choosers. What people type into a search box are words;
``search_words`` keeps those and drops what only the engines would read as syntax, for every
search of the site (admin listings, choosers, pages, images, documents).
"""

from __future__ import annotations

import functools

from modelsearch.backends.database import SearchBackend as database_search_backend
from modelsearch.query import MATCH_NONE


def search_words(query: str) -> str:
    """The words of a search box: terms with a letter or digit, without double quotes.

    Punctuation inside a word stays (``B1-route``, ``o'brien``, ``info@school.nl``): the
    engines split and match it as they index it.
    """
    terms = (term.replace('"', "") for term in query.split())
    return " ".join(term for term in terms if any(char.isalnum() for char in term))


class _WordsOnly:
    def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
        if isinstance(query, str):
            # Nothing left to look for finds nothing (an empty string would give results without
            # a model, which the admin's listings cannot show).
            query = search_words(query) or MATCH_NONE
        return super()._search(query_compiler_class, query, model_or_queryset, **kwargs)


@functools.cache
def _words_only(backend_class: type) -> type:
    return type(backend_class.__name__, (_WordsOnly, backend_class), {"__module__": __name__})


def SearchBackend(params: dict):
    """The database backend that suits the connection (as Wagtail picks it), words only.

    Named like a class because that is the name Wagtail looks for in a backend module.
    """
    backend = database_search_backend(params)
    backend.__class__ = _words_only(type(backend))
    return backend
