"""A real git repository built in a test: commits by given authors at given dates."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime
from pathlib import Path


class Repo:
    """``git init`` in ``path``; no global or system config leaks in."""

    def __init__(self, path: Path, branch: str = "main"):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        home = self.path.parent / (self.path.name + ".home")
        home.mkdir(exist_ok=True)
        self.env = {"PATH": os.environ["PATH"], "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
                    "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}
        self.git("init", "-q", "-b", branch)

    def git(self, *args: str, env: dict | None = None) -> str:
        res = subprocess.run(["git", *args], cwd=self.path, env={**self.env, **(env or {})},
                             capture_output=True, text=True, check=True)
        return res.stdout.strip()

    def _who(self, author: tuple[str, str], at: datetime) -> dict:
        stamp = f"{int(at.timestamp())} +0000"  # git's raw date format: exact, no parsing
        name, email = author
        return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": stamp,
                "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": stamp}

    def commit(self, author: tuple[str, str], at: datetime, files: dict[str, str] | None = None,
               message: str = "change", move: tuple[str, str] | None = None) -> str:
        """Write ``files``, optionally ``git mv`` one, commit; returns the sha."""
        for rel, text in (files or {}).items():
            target = self.path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            self.git("add", "--", rel)
        if move:
            (self.path / move[1]).parent.mkdir(parents=True, exist_ok=True)
            self.git("mv", move[0], move[1])
        self.git("commit", "-q", "--allow-empty", "-m", message, env=self._who(author, at))
        return self.head()

    def merge(self, branch: str, author: tuple[str, str], at: datetime) -> str:
        self.git("merge", "-q", "--no-ff", "-m", f"Merge {branch}", branch, env=self._who(author, at))
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")
