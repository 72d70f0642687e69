"""Loaders: policy files → typed records (documents, citations, tasks with role-typed agencies)."""
from .extract import extract_file, extract_source, extract_string
from .read import LoaderError, iter_paths, read_source
from .records import Document, document_to_contract

__all__ = ["extract_file", "extract_source", "extract_string", "read_source", "iter_paths", "LoaderError", "Document",
           "document_to_contract"]
