"""Read: files and feeds in, each article's clean text and language out."""
