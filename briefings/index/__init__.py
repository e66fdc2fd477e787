"""Index: the SQLite store (articles, people, FTS5), one person across articles, events grouped across articles."""
