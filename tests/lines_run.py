"""The lines of generated code a call runs, as sys.settrace sees them."""

import sys


def lines_run(call, prefix):
    """(file name, line) of every line ``call()`` runs in files whose names start with
    ``prefix`` (generated code registers such names with linecache)."""
    seen = []

    def tracer(frame, event, arg):
        if event == "line" and frame.f_code.co_filename.startswith(prefix):
            seen.append((frame.f_code.co_filename, frame.f_lineno))
        return tracer
    sys.settrace(tracer)
    try:
        call()
    finally:
        sys.settrace(None)
    return seen
