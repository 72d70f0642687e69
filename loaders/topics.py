"""Topics (SKOS pk:TopicScheme) a text is about: label matches counted, longest label first."""
from __future__ import annotations

from .vocab import Vocabulary, vocabulary


def topics_in(text: str, min_count: int = 1, vocab: Vocabulary | None = None) -> list[str]:
    """Preferred labels of the topics mentioned at least min_count times in text, in vocabulary order."""
    vocab = vocab or vocabulary()
    counts: dict[int, int] = {}  # position of a topic in the vocabulary → matches of its labels
    for _, topics in vocab.topic_automaton.iter(text):  # one pass for every label
        for k in topics:
            counts[k] = counts.get(k, 0) + 1
    if not counts:
        return []
    return [vocab.topics[k].pref for k in sorted(counts) if counts[k] >= min_count]
