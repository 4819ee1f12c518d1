"""The ``forestplot`` package, imported and called without changing process-wide state.

Importing ``forestplot`` (0.4) changes the state of the whole process; diffing a fresh
interpreter's state before and after ``import forestplot`` shows:

- ``warnings.filters``: ``warnings.filterwarnings("ignore")`` (forestplot/graph_utils.py)
  silences every warning of every library from then on;
- numpy's floating-point error state: ``np.seterr(all="ignore")`` (forestplot/plot.py,
  forestplot/mplot.py);
- ``matplotlib.rcParams["font.monospace"]`` (forestplot/plot.py, forestplot/mplot.py);
- it imports ``matplotlib.pyplot`` (the module only: no figure is made, the backend is
  not resolved, ``rcParams["backend"]`` is untouched).

Calling ``forestplot.forestplot`` may ``warnings.warn``, and it measures text on
``plt.gcf()``, the pyplot "current figure" (creating one when there is none), not on the
figure of the Axes it draws on.

:func:`load_forestplot` imports the package inside :func:`preserved_state`, which saves
and restores ``warnings.filters`` and ``warnings.showwarning`` (``catch_warnings``),
numpy's error state and error callback (``np.geterr``/``np.geterrcall``) and every
``matplotlib.rcParams`` entry (``rc_context``). :func:`draw_forestplot` calls it inside the
same guard, with its warnings recorded and returned, and with ``plt`` in forestplot's
drawing modules pointed for the duration of the call at a stand-in whose ``gcf()`` is the
Axes' own figure, so no pyplot figure is created. ``tests/test_sensitivity_cli.py``
proves the containment in a fresh subprocess.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["draw_forestplot", "load_forestplot", "preserved_state"]

_LOCK = threading.RLock()
_MODULE: Any = None
# forestplot's modules that hold "plt" (matplotlib.pyplot) and use it while drawing
_PLT_USERS = ("forestplot.graph_utils", "forestplot.plot")


@contextmanager
def preserved_state() -> Iterator[None]:
    """Run a block and put back the process-wide state it may change: warnings filters
    and ``showwarning``, numpy's error state and callback, all of ``matplotlib.rcParams``."""
    import matplotlib
    import numpy as np

    err = np.geterr()
    errcall = np.geterrcall()
    try:
        with warnings.catch_warnings(), matplotlib.rc_context():
            yield
    finally:
        np.seterr(**err)
        np.seterrcall(errcall)


def load_forestplot() -> Any:
    """The ``forestplot`` module, imported once with the process state preserved."""
    global _MODULE
    with _LOCK:
        if _MODULE is None:
            with preserved_state():
                import forestplot

            _MODULE = forestplot
        return _MODULE


class _PyplotStandIn:
    """What forestplot's drawing code asks of ``matplotlib.pyplot``, without pyplot."""

    def __init__(self, ax: Axes) -> None:
        self._ax = ax

    def gcf(self) -> Figure:
        return self._ax.figure  # type: ignore[return-value]

    def gca(self) -> Axes:
        return self._ax

    def plot(self, *args: Any, **kwargs: Any) -> Any:
        return self._ax.plot(*args, **kwargs)

    @property
    def MaxNLocator(self) -> Any:
        from matplotlib.ticker import MaxNLocator

        return MaxNLocator

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"forestplot asked for pyplot.{name}, which synth does not provide")


def draw_forestplot(ax: Axes, frame: pd.DataFrame, **kwargs: Any) -> tuple[Axes, list[str]]:
    """``forestplot.forestplot(frame, ax=ax, **kwargs)`` with the process state preserved.

    Returns the Axes and the texts of the warnings forestplot raised (recorded, not shown).
    """
    import sys

    fp = load_forestplot()
    with _LOCK, preserved_state():
        stand_in = _PyplotStandIn(ax)
        saved = {name: sys.modules[name].plt for name in _PLT_USERS}
        for name in _PLT_USERS:
            sys.modules[name].plt = stand_in
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                out = fp.forestplot(frame, ax=ax, **kwargs)
        finally:
            for name, module in saved.items():
                sys.modules[name].plt = module
    return out, [str(w.message) for w in caught]
