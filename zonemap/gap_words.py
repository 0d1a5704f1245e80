"""Why a gap is a gap, in the words both the Markdown digest (`report`) and the dashboard
use: one definition, so that a PM reading the digest and a team looking at the
dashboard read the same sentence. Names come in already escaped for their medium
(Markdown for the digest, `dashboard.ui.md_text` for the dashboard)."""

from __future__ import annotations


def absent_taste_makers(who: list[tuple[str, float]], needs: float | None = None) -> str:
    """ "the assigned taste-maker is not present: Priya Raman (0.05 FTE here, needs 0.10)";
    `who` = [(name, FTE in the area)], `needs` = the FTE that counts as present (left out
    when None)."""
    need = f", needs {needs:.2f}" if needs is not None else ""
    subject = "the assigned taste-maker is" if len(who) == 1 else "the assigned taste-makers are"
    return f"{subject} not present: " + ", ".join(f"{name} ({fte:.2f} FTE here{need})" for name, fte in who)


def uncurated_explorations(count: int, curated: int) -> str:
    """ "69 explorations are active and only 6 had a review or comment from a taste-maker
    or someone in a taste-maker role (fewer than half)"."""
    active = f"{count} exploration is" if count == 1 else f"{count} explorations are"
    return (f"{active} active and only {curated} had a review or comment from a taste-maker or someone "
            f"in a taste-maker role (fewer than half)")
