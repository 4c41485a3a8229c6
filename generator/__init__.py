"""ipr-archive: a static archive-site generator for Chinese reports on intellectual property."""

__version__ = "0.1.0"
