"""Topics (SKOS pk:TopicScheme) a text is about: label matches counted, longest label first."""
from __future__ import annotations

from .vocab import Vocabulary, vocabulary


def topics_in(text: str, min_count: int = 1, vocab: Vocabulary | None = None) -> list[str]:
    """Preferred labels of the topics mentioned at least min_count times in text, in vocabulary order."""
    vocab = vocab or vocabulary()
    out = []
    for concept, labels in vocab.topic_labels:
        n = 0
        for label in labels:
            n += text.count(label)
            if n >= min_count:
                out.append(concept.pref)
                break
    return out

