"""policykg: Chinese policy documents → a traceable knowledge graph (RDF, Cypher stores, views)."""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("policykg")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"
