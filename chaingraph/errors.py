"""The one exception chaingraph raises for bad input data, and the warnings it lets through."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable, Sequence

__all__ = ["ChainDataError", "numeric_noise_silenced"]

#: numpy's floating-point notices (an all-NaN column's maximum, an empty mean, 0/0): what the
#: analyses already turn into NaN on purpose. Not overflow: that is a sign of bad data.
_NUMERIC_NOISE = (
    r"All-NaN (slice|axis) encountered",
    r"Mean of empty slice",
    r"invalid value encountered in",
    r"divide by zero encountered in",
    r"Degrees of freedom <= 0",
)


@contextlib.contextmanager
def numeric_noise_silenced():
    """Hide numpy's floating-point notices and deprecation notices, and nothing else.

    Code that runs several analyses (a report, the tooltips of a network page)
    uses this instead of ignoring every warning, so that the warnings about the
    data (a capped cascade, sectors left out, firms added) still reach the user:
    on the command line they go to stderr.
    """
    with warnings.catch_warnings():
        for pattern in _NUMERIC_NOISE:
            warnings.filterwarnings("ignore", message=pattern, category=RuntimeWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        yield

#: How many offending rows an error message lists before it says "and N more".
MAX_ROWS_SHOWN = 5


def format_rows(rows: Sequence, limit: int = MAX_ROWS_SHOWN) -> str:
    """``[3, 7, 9]`` -> ``"rows 3, 7, 9"``; long lists end in ``"… and N more"``."""
    rows = list(rows)
    word = "row" if len(rows) == 1 else "rows"
    shown = ", ".join(str(r) for r in rows[:limit])
    more = len(rows) - limit
    return f"{word} {shown}" + (f" and {more} more" if more > 0 else "")


class ChainDataError(ValueError):
    """Input data that chaingraph cannot use as it is.

    The message says where the problem is and what it is, in that order::

        firms.csv: column 'firm_id': duplicate firm_id 'F7' (rows 4, 9)

    Parameters
    ----------
    problem : str
        What is wrong, in plain words.
    source : str, optional
        The file (or, for data given as DataFrames, the table: ``firms``,
        ``links``, ``segments``, ``flows``).
    column : str, optional
        The column concerned.
    rows : iterable, optional
        The offending rows, numbered as the user sees them: the line number
        in a CSV file or the row number in an Excel sheet (the header is line
        1), or the index labels of a DataFrame.
    option : (keyword, value, effect), optional
        A setting under which the data would be accepted, e.g.
        ``("unknown_firms", "add", "to add them as firms with no attributes")``.
        The message names it as a Python keyword (``unknown_firms='add'``);
        :meth:`cli_message` names the command-line option (``--unknown-firms add``).

    Attributes
    ----------
    problem, source, column : str or None
    rows : list
        All offending rows (the message shows the first few).
    option : tuple or None
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | None = None,
        column: str | None = None,
        rows: Iterable | None = None,
        option: tuple[str, str, str] | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.column = column
        self.rows = list(rows) if rows is not None else []
        self.option = option
        super().__init__(self._message())

    def cli_message(self) -> str:
        """The message as the command line shows it: a setting is named as its option."""
        return self._message(cli=True)

    def _message(self, cli: bool = False) -> str:
        where = []
        if self.source:
            where.append(str(self.source))
        if self.column:
            where.append(f"column '{self.column}'")
        text = ": ".join(where + [self.problem])
        if self.option:
            keyword, value, effect = self.option
            setting = (f"use --{keyword.replace('_', '-')} {value}" if cli
                       else f"pass {keyword}={value!r}")
            text += f" ({setting} {effect})"
        if self.rows:
            text += f" ({format_rows(self.rows)})"
        return text
