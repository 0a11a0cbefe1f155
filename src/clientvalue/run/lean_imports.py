"""Spare the processes a run starts an import they never use: jsonschema's ``iri`` grammar.

nbformat (and with it papermill and nbconvert) imports jsonschema. jsonschema 4.26 imports every
format checker whose library is installed when it is itself imported, and ``rfc3987_syntax`` is
installed here through jupyterlab (jupyter-events asks for ``jsonschema[format-nongpl]``). Importing
``rfc3987_syntax`` compiles about 35 Earley parsers with Lark: about 1.8 CPU seconds in every process
that imports nbformat (python-jsonschema/jsonschema#1428; ``python -X importtime -c "import
nbformat"`` shows it). A run pays that in its own process and in each notebook worker, and a worker
pays it before its first notebook starts.

No notebook schema uses the ``iri`` formats, and nbformat validates without a format checker, so
nothing we do needs that checker. :func:`skip_iri_grammar` imports jsonschema with the module marked
as absent (``sys.modules[name] = None``, the documented way to make an import fail), so that
jsonschema leaves out its ``iri`` and ``iri-reference`` checkers as it does when ``rfc3987_syntax`` is
not installed, and then takes the mark away again: the module itself stays importable. It is called
only in processes clientvalue starts itself (``clientvalue run`` and ``clientvalue batch``, their
notebook workers, the workers of the batch's own local cluster, the test suite), never on import
and never in Dask workers a user started, so a user's own process keeps its checkers.
"""

from __future__ import annotations

import sys

#: The module whose import compiles the grammar.
IRI_GRAMMAR_MODULE = "rfc3987_syntax"


def skip_iri_grammar() -> bool:
    """Import jsonschema now, without its ``iri`` checkers; whether this process's jsonschema now lacks them.

    Does nothing (and returns False) when jsonschema or the module is already imported: a checker
    already made stays as it is.
    """
    if "jsonschema" in sys.modules or sys.modules.get(IRI_GRAMMAR_MODULE) is not None:
        return False
    sys.modules[IRI_GRAMMAR_MODULE] = None  # type: ignore[assignment]
    try:
        import jsonschema  # noqa: F401  (its format checkers are made as it is imported)
    except ImportError:  # pragma: no cover - installed with nbformat
        pass
    finally:
        if IRI_GRAMMAR_MODULE in sys.modules and sys.modules[IRI_GRAMMAR_MODULE] is None:
            del sys.modules[IRI_GRAMMAR_MODULE]  # the module itself stays importable
    return True
