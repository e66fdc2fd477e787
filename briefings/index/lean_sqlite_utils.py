"""sqlite-utils, imported without numpy.

sqlite-utils imports numpy whenever it is installed, only to give numpy's number types
column types when it makes a table from values. The engine and the bot store Python values.
numpy is installed for the language model (py3langid), which imports it when a text needs
the model (about one article in a hundred). Imported with sqlite-utils, it cost every
process about 150 ms CPU and 11 MB of memory at start: the bot, the CLI, each analysis
worker. The engine imports sqlite-utils from here; the bot's storage, which reaches the
engine only through its facade, imports it after the engine has (its start is tested).
"""

from __future__ import annotations

import sys

if "sqlite_utils" in sys.modules or "numpy" in sys.modules:
    import sqlite_utils
else:
    # A module that is None in sys.modules fails to import: sqlite-utils goes without.
    sys.modules["numpy"] = None  # type: ignore[assignment]
    try:
        import sqlite_utils
    finally:
        del sys.modules["numpy"]

__all__ = ["sqlite_utils"]
