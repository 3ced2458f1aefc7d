"""The sector essentiality matrix (投入必要性矩阵) of ESRI, read from a CSV file.

How each sector needs each other sector's inputs (0 irrelevant, 1 non-essential,
2 essential) is the ``E[k, l]`` of Diem et al. (2022): with the chain, an input of
:func:`~chaingraph.systemic_risk` and :func:`~chaingraph.simulate_disruption`,
which take one of the named settings (:data:`ESSENTIALITY_WORDS`), a table, or the
path of a CSV file that :func:`read_essentiality` reads and checks. The matrix is
laid over the firms' sectors where the chain becomes the cascade's arrays, in
:mod:`chaingraph.analysis._esri_inputs`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from chaingraph import schema
from chaingraph.errors import ChainDataError

__all__ = ["read_essentiality", "ESSENTIALITY_WORDS"]

#: The named essentiality settings (besides a matrix or a CSV file).
ESSENTIALITY_WORDS = ("linear", "leontief", "template")


def read_essentiality(path) -> pd.DataFrame:
    r"""Read a sector essentiality matrix (投入必要性矩阵) from a CSV file.

    The file's first column names the supplying sector, its header the using
    sectors; each value says how the using sector needs the supplying
    sector's input: 0 irrelevant, 1 non-essential (linear), 2 essential
    (Leontief). This is the ``E[k, l]`` of Diem et al. (2022).

    Parameters
    ----------
    path : str or Path
        A CSV file (UTF-8, with or without BOM).

    Returns
    -------
    DataFrame
        Indexed by supplying sector, one integer column (0, 1 or 2) per
        using sector; ``attrs["source"]`` is the file name. Pass it as
        ``essentiality=`` to :func:`systemic_risk` or
        :func:`simulate_disruption` (which also accept the path itself).

    Raises
    ------
    ChainDataError
        Values other than 0, 1 or 2 (naming the file, the column and the
        lines), or repeated sector labels.

    References
    ----------
    .. [1] Diem, C., Borsos, A., Reisch, T., Kertész, J. & Thurner, S. (2022).
       Quantifying firm-level economic systemic risk from nation-wide supply
       networks. *Scientific Reports* 12, 7719. doi:10.1038/s41598-022-11522-z

    Examples
    --------
    >>> import tempfile, pathlib, chaingraph as cg
    >>> from chaingraph import read_essentiality
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "E.csv"
    >>> _ = path.write_text("sector,x,y\nx,0,2\ny,1,0\n")
    >>> read_essentiality(path)
            x  y
    sector
    x       0  2
    y       1  0
    """
    path = Path(path)
    raw = pd.read_csv(path, header=None, dtype=str, encoding="utf-8-sig",
                      keep_default_na=False)
    frame = pd.DataFrame(raw.iloc[1:, 1:].to_numpy(),
                         index=pd.Index(raw.iloc[1:, 0].to_numpy(), name=raw.iat[0, 0]),
                         columns=pd.Index(raw.iloc[0, 1:].to_numpy()))
    for label, what in ((frame.index, "supplying sectors (first column)"),
                        (frame.columns, "using sectors (header)")):
        if pd.Index(label).has_duplicates:
            dup = pd.Index(label)[pd.Index(label).duplicated()]
            raise ChainDataError(f"repeated {what}: {schema._examples(list(dup))}",
                                 source=path.name)
    values = frame.apply(lambda col: pd.to_numeric(col.str.strip(), errors="coerce"))
    for col in frame.columns:
        bad = ~values[col].isin((0, 1, 2)).to_numpy()
        if bad.any():
            raise ChainDataError(
                "values must be 0 (irrelevant), 1 (non-essential) or 2 (essential), not "
                f"{schema._examples(list(frame[col][bad]))}",
                source=path.name, column=str(col), rows=list(np.flatnonzero(bad) + 2),
            )
    out = values.astype(np.int64)
    out.attrs["source"] = path.name
    return out
