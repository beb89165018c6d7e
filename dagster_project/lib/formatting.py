"""How money and returns are printed, everywhere a person reads them.

The typographic minus (−) is used in HTML and charts; plain text for terminals keeps '-'.
"""

from __future__ import annotations

MINUS = "−"


def signed_billions(value: float, places: int = 1, minus: str = MINUS) -> str:
    """-5.927e11 -> '−$592.7B'; +2e9 -> '+$2.0B'."""
    return (minus if value < 0 else "+") + f"${abs(value) / 1e9:,.{places}f}B"


def axis_billions(value: float) -> str:
    """Chart ticks: as few digits as the tick needs ('−$800B', '+$2.5B', '$0')."""
    bn = value / 1e9
    if abs(bn) < 1e-9:
        return "$0"
    text = f"{abs(bn):,.0f}" if abs(bn) >= 10 else f"{abs(bn):,.1f}".rstrip("0").rstrip(".")
    return (MINUS if bn < 0 else "+") + f"${text}B"


def signed_pct(value: float, places: int = 2, minus: str = MINUS) -> str:
    """-0.16968 -> '−16.97%'."""
    return (minus if value < 0 else "+") + f"{abs(value) * 100:.{places}f}%"
