"""Progress bars for calls that can take more than a few seconds (tqdm)."""

from __future__ import annotations

__all__ = ["progress_bar"]


class _Silent:
    def update(self, n=1):
        pass

    def set_postfix_str(self, s):
        pass

    def close(self):
        pass


def progress_bar(total: int | None, desc: str, progress: bool | None):
    """A tqdm bar on stderr, or a silent stand-in.

    ``progress=None`` (the default of the public calls): a bar appears only after 2 s and
    only on a terminal; ``True``: always, at once; ``False``: never.
    """
    if progress is False:
        return _Silent()
    # the plain text bar: tqdm.auto would pick the notebook widget, which warns where
    # ipywidgets is missing (every notebook of a bare install)
    from tqdm.std import tqdm

    return tqdm(total=total, desc=desc, delay=0.0 if progress else 2.0,
                disable=None if progress is None else False, leave=False)
