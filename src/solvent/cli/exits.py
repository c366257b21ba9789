"""How a command line ends: a verb's errors and Ctrl-C turned into exit codes and messages,
and the console script's last steps. Shared by the Typer command line (``cli/core.py``,
``cli/verbs.py``) and the plain ``bmc`` call read without Typer (``cli/plain_bmc.py``),
so both end with the same words and the same codes.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from solvent.config import Settings
from solvent.errors import EXIT_INCONCLUSIVE, EXIT_INTERNAL, SolventError

INTERRUPTED_BY_CLICK = 130  # what Typer returns after it caught a KeyboardInterrupt itself


class Interrupted(Exception):
    """Ctrl-C during a verb (raised past Typer, which would turn it into exit 130)."""


def _errors() -> Any:
    """A Rich console on stderr (Rich is imported only when something goes wrong)."""
    from solvent.report import text

    return text.make_console(stderr=True)


def settled(name: str, settings: Settings, json_errors: bool, call: Callable[[], Any]) -> Any:
    """``call()``, the body of verb ``name``: Ctrl-C raised as :class:`Interrupted`; a
    SolventError under ``--format json`` printed as an error document first
    (``json_errors``), then raised."""
    try:
        return call()
    except KeyboardInterrupt:
        raise Interrupted() from None
    except SolventError as exc:
        if json_errors and settings.format == "json":
            from solvent.report import json_out

            sys.stdout.write(json_out.dumps(json_out.error_json(name, exc)))
        raise


def outcome(
    call: Callable[[], Any],
    interrupts: tuple[type[BaseException], ...] = (),
    passthrough: tuple[type[BaseException], ...] = (),
) -> int:
    """The exit code of a command line whose verb runs as ``call()``: a SolventError is
    shown and gives its code, another exception is a solvent bug (exit 4, traceback),
    Ctrl-C (or one of ``interrupts``) is "no verdict" (exit 2); ``passthrough`` is raised
    for the caller to show."""
    stopped: tuple[type[BaseException], ...] = (Interrupted, KeyboardInterrupt, *interrupts)
    try:
        code = call()
    except stopped:
        code = INTERRUPTED_BY_CLICK
    except passthrough:
        raise
    except SolventError as exc:
        from solvent.report import text

        text.render_error(_errors(), exc)
        return exc.exit_code
    except Exception:  # noqa: BLE001 - the last line of defence: a solvent bug
        import traceback  # here: only a solvent bug needs it

        _errors().print(
            "internal error, please report it with the traceback below "
            "(this is a solvent bug, not a problem with your spec)",
            style="bold red",
        )
        sys.stderr.write(traceback.format_exc())
        return EXIT_INTERNAL
    if code == INTERRUPTED_BY_CLICK:
        _errors().print("interrupted (Ctrl-C): no verdict", style="bold yellow")
        return EXIT_INCONCLUSIVE
    return code if isinstance(code, int) else 0


def main_with(run: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None) -> NoReturn:
    """Console-script entry point: ``run(argv)`` and exit with the verdict's code.

    A shell starts a background job (``solvent stress ... &`` in a script) with SIGINT
    ignored, and Python keeps it ignored; solvent restores Ctrl-C's default so that
    ``kill -INT`` stops any run cleanly (exit 2, or the verb's documented code).
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if argv is None:  # a check's --timeout covers the whole process (api/startup.py)
        from solvent.api.startup import count_from_process_start

        count_from_process_start()
    code = run(argv)
    if argv is None and _exit_handlers() is not None:  # the console script: end without
        import atexit  # tearing the interpreter down

        atexit.register(_end_now, code)
    sys.exit(code)


def _exit_handlers() -> Any:
    """CPython's function that runs the ``atexit`` handlers now, or None.

    ``atexit`` has no public one (it registers and unregisters only), and ``_end_now``
    needs it: it runs first (the handler registered last) and must run the others before
    ``os._exit`` skips them: certifi's and coverage's, registered as the interpreter
    starts (coverage saves a subprocess's measurements in its own), multiprocessing's and
    logging's. So ``atexit._run_exitfuncs`` it is, looked up here: on a Python without
    it the console script ends the ordinary way (the same output and exit code; only the
    teardown is not skipped).
    """
    import atexit

    found = getattr(atexit, "_run_exitfuncs", None)
    return found if callable(found) else None


def _end_now(code: int) -> None:
    """The last step of the console script, after ``SystemExit``: run the other ``atexit``
    handlers, flush, then end the process at once.

    Python's own shutdown releases every object one by one; after a bmc of many accounts
    that is millions of Z3 terms, each released through Z3's C API: 1.8 s after the
    verdict was printed (at a load of 6), past ``--timeout``, which covers the whole run.
    """
    import atexit
    import os

    atexit.unregister(_end_now)
    _exit_handlers()()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more to show
            pass
    os._exit(code)
