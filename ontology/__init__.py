"""The policykg ontology, SHACL shapes and SKOS vocabularies (data files, read by loaders and kg)."""
from pathlib import Path

ONTOLOGY_DIR = Path(__file__).parent
VOCAB_DIR = ONTOLOGY_DIR / "vocab"
