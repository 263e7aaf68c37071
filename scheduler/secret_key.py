"""The server's own secret key: signs page sessions and derives members' links."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from platformdirs import user_data_dir

__all__ = ["server_key"]


def server_key() -> str:
    """``SCHEDULER_SECRET_KEY``, else a key made once and kept (mode 0600) in the user's
    data folder."""
    configured = os.environ.get("SCHEDULER_SECRET_KEY")
    if configured:
        return configured
    path = Path(user_data_dir("council-scheduler", appauthor=False)) / "secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # created with its final mode, so the key is never readable by others
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()  # made meanwhile by another process
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    return path.read_text().strip()
