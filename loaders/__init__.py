"""Loaders: policy files → typed records (documents, citations, tasks with role-typed agencies)."""
from .read import LoaderError, iter_paths, read_source
from .records import Document, document_to_contract

__all__ = ["extract_file", "extract_source", "extract_string", "read_source", "iter_paths", "LoaderError", "Document",
           "document_to_contract"]
_EXTRACTION = ("extract_file", "extract_source", "extract_string")


def __getattr__(name: str):
    """The extraction functions, imported when first asked for: their pipeline imports spaCy (~2 s), which a
    process that reads records or file names only (a rebuild's main process) never needs."""
    if name in _EXTRACTION:
        from . import extract

        return getattr(extract, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
