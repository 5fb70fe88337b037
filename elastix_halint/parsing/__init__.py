"""Text → typed model. One module per file kind; each exposes:

- ``KIND``: the kind name used by ``--kind`` and in JSON (``"drbd"``, ``"hacf"``...); the file
  names that identify a kind are listed in :mod:`elastix_halint.parsing.kinds`;
- ``sniff(text) -> bool``: a cheap content test used when the name says nothing;
- ``parse(source: SourceFile) -> ParseResult``: never raises on bad content, returns diagnostics;
- ``load(path, display=None) -> ParseResult``: reads the file (and, for drbd, its includes);
  raises ``InputError`` only when the file itself cannot be read.

Models have ``to_json(redact: bool = True) -> dict``; ``redact`` hides secrets.
"""
