"""Topics (SKOS pk:TopicScheme) a text is about: label matches counted, longest label first."""
from __future__ import annotations

from .vocab import Vocabulary, vocabulary


def topics_in(text: str, min_count: int = 1, vocab: Vocabulary | None = None) -> list[str]:
    """Preferred labels of the topics mentioned at least min_count times in text, in vocabulary order."""
    vocab = vocab or vocabulary()
    counts: dict[str, int] = {}
    for _, label in vocab.topic_automaton.iter(text):  # one pass for every label
        counts[label] = counts.get(label, 0) + 1
    if not counts:
        return []
    return [concept.pref for concept, labels in vocab.topic_labels
            if sum(counts.get(label, 0) for label in labels) >= min_count]

