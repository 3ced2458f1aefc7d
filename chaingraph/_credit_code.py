"""The unified social credit code (统一社会信用代码) of GB 32100-2015: its character set
and check character, as a firm register's ``credit_code`` column is checked against it
(:func:`chaingraph.schema.to_credit_code`)."""

from __future__ import annotations

#: The 31 characters of a unified social credit code (GB 32100-2015, table 1), in the order of
#: their values 0–30 (I, O, S, V and Z are not used).
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_CHARS)}
#: Weights of positions 1–17: W_i = 3^(i−1) mod 31 (GB 32100-2015, 5.2).
_CREDIT_WEIGHTS = [pow(3, i, 31) for i in range(17)]


def credit_code_check_char(code) -> str | None:
    """The check character (18th) of a unified social credit code (统一社会信用代码).

    GB 32100-2015: with C_i the value of the i-th character (0–9 for digits,
    then A=10 … Y=30 over the 31 allowed characters) and W_i = 3^(i−1) mod 31,
    the check character has the value C_18 = 31 − MOD(Σ_{i=1..17} C_i·W_i, 31),
    where a result of 31 is written 0.

    Parameters
    ----------
    code : str
        The first 17 characters (an 18th, if given, is ignored).

    Returns
    -------
    str or None
        The check character, or ``None`` when ``code`` is shorter than 17
        characters or uses a character outside the code's character set.

    References
    ----------
    GB 32100-2015 法人和其他组织统一社会信用代码编码规则 (Coding rule of the
    unified social credit identifier for legal entities and other organizations).

    Examples
    --------
    >>> credit_code_check_char("91350100M000100Y4")   # the standard's worked example
    '3'
    """
    text = str(code).strip().upper()[:17]
    if len(text) != 17 or any(c not in _CREDIT_VALUE for c in text):
        return None
    total = sum(_CREDIT_VALUE[c] * w for c, w in zip(text, _CREDIT_WEIGHTS))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]
