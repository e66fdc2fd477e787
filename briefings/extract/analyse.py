"""One document in, one analysed article out: the pure pipeline every ingested file goes through.

clean → language → date → outlet → sentences → entities → event dates → topics. No I/O here,
so each stage's contribution can be tested from a string.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import replace

from briefings.extract.dates import find_event_dates, find_publication_date
from briefings.extract.outlets import find_outlet_evidence
from briefings.extract.people import find_entities
from briefings.extract.sentences import split_sentences
from briefings.extract.topics import Taxonomy
from briefings.models import Article, Sentence, SourceDocument
from briefings.read.clean import clean
from briefings.read.language import detect_language


def checksum(document: SourceDocument) -> str:
    """Identifies a document's content, so re-ingesting an unchanged file does nothing."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (document.text, document.title, document.url, document.published, document.outlet):
        digest.update((part or "").encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


def analyse(document: SourceDocument, taxonomy: Taxonomy) -> Article:
    """Turn a source document into an Article with its date, outlet, people and topics."""
    text = clean(document)
    body = "\n\n".join(text.paragraphs)
    language = detect_language(" ".join(filter(None, [text.title, body])))
    date = find_publication_date(document, text)
    outlet = find_outlet_evidence(document, text)
    title = text.title or _title_from(text.paragraphs) or document.path.rsplit("/", 1)[-1]
    sentences = split_sentences(text.paragraphs)
    article = Article(
        path=document.path,
        title=title,
        text=body,
        checksum=checksum(document),
        outlet=outlet.name,
        outlet_source=outlet.source,
        published=date.published,
        date_source=date.source,
        partial_date=date.partial,
        picture_dates=date.picture_dates,
        language=language,
        sentences=sentences,
        contributors=text.contributors,
        url=document.url or text.url,
        dateline=text.dateline,
    )
    if language != "en":
        # Not parsed as English: no people, no topics, so it cannot leak into English briefings.
        return article
    entities = find_entities(sentences, title=title)
    # The taxonomy's cues are found once in the body, then shared out to its sentences.
    cues = taxonomy.cue_positions(body)
    topics = taxonomy.topics_for(title, body, entities, body_cues=cues)
    cued = _cues_by_sentence(body, sentences, cues)
    return replace(
        article,
        entities=entities,
        topics=topics,
        sentences=tuple(
            replace(s, topics=taxonomy.sentence_topics(s.text, topics, cued[n]))
            for n, s in enumerate(sentences)
        ),
        event_hints=find_event_dates([title, *(s.text for s in sentences)], date.published),
    )


def _cues_by_sentence(
    body: str, sentences: tuple[Sentence, ...], cues: list[tuple[int, str]]
) -> list[set[str]]:
    """The cue topics inside each sentence, from the body's cue positions."""
    starts: list[int] = []
    cursor = 0
    for sentence in sentences:
        found = body.find(sentence.text, cursor)
        starts.append(found if found >= 0 else cursor)
        cursor = (found + len(sentence.text)) if found >= 0 else cursor
    by_sentence: list[set[str]] = [set() for _ in sentences]
    for position, topic in cues:
        n = bisect.bisect_right(starts, position) - 1
        if 0 <= n < len(sentences) and position < starts[n] + len(sentences[n].text):
            by_sentence[n].add(topic)
    return by_sentence


def _title_from(paragraphs: tuple[str, ...]) -> str | None:
    if not paragraphs:
        return None
    first = paragraphs[0]
    if len(first) <= 100:
        return first
    cut = first[:100].rsplit(" ", 1)[0]
    return cut + "…"
