from __future__ import annotations

from elastix_halint.builtin.meta._helpers import ParserDiagnostic
from elastix_halint.diagnostics import ENCODING_WARNING
from elastix_halint.lint.rule import Severity


class EncodingWarning(ParserDiagnostic):
    """The file is not UTF-8; it was read as Latin-1.

    ## What it checks
    Every file is decoded as UTF-8; when that fails it is read as Latin-1 and this warning
    says where the first undecodable byte is.

    ## Why it matters
    Non-UTF-8 bytes usually come from a comment typed on another console; they are harmless to
    drbdadm but break editors, diffs between nodes and tools that compare the two nodes' files.

    ## Example
    ```
    # configuraci<byte 0xF3>n del nodo primario   (typed on a Latin-1 console)
    ```

    ## Fix
    Convert the file: `iconv -f latin1 -t utf-8 FILE > FILE.new && mv FILE.new FILE`.
    """

    id = ENCODING_WARNING
    name = "not-utf8"
    severity = Severity.WARNING
