"""An in-memory file system: paths map to text contents."""

from __future__ import annotations

import re
from typing import Any

from ....core.tools import ToolError, tool

PATH_RE = re.compile(r"(/[A-Za-z0-9_.\-]+){1,8}")
MAX_FILE_CHARS = 5000


def _check_path(path: str) -> str:
    if len(path) > 200 or not PATH_RE.fullmatch(path) or "/../" in f"{path}/":
        raise ToolError(f"invalid path {path[:60]!r}; use absolute paths like /home/notes/a.txt")
    return path


class FileSystem:
    """Files under absolute paths; directories exist implicitly."""

    WRITES = frozenset({"write_file", "delete_file"})

    def __init__(self, files: dict[str, str]) -> None:
        self.files = dict(files)

    @tool
    def list_files(self, directory: str) -> list[str]:
        """The paths of all files under a directory (recursively), sorted.

        Args:
            directory: An absolute directory path, e.g. "/home".
        """
        prefix = "/" if directory.strip() in ("", "/") else _check_path(directory.rstrip("/"))
        prefix = prefix if prefix.endswith("/") else prefix + "/"
        return sorted(p for p in self.files if p.startswith(prefix))

    @tool
    def read_file(self, path: str) -> str:
        """The text content of a file.

        Args:
            path: The file's absolute path.
        """
        if _check_path(path) not in self.files:
            raise ToolError(f"no such file {path!r}")
        return self.files[path]

    @tool
    def write_file(self, path: str, content: str) -> dict[str, Any]:
        """Create a file, or replace the content of an existing one.

        Args:
            path: The file's absolute path, e.g. "/home/notes/todo.txt".
            content: The full text to store.
        """
        if len(content) > MAX_FILE_CHARS:
            raise ToolError(f"content is {len(content)} characters; the limit is "
                            f"{MAX_FILE_CHARS}")
        self.files[_check_path(path)] = content
        return {"path": path, "characters": len(content)}

    @tool
    def delete_file(self, path: str) -> dict[str, Any]:
        """Delete a file.

        Args:
            path: The file's absolute path.
        """
        if _check_path(path) not in self.files:
            raise ToolError(f"no such file {path!r}")
        del self.files[path]
        return {"deleted": path}

    def snapshot(self) -> dict[str, Any]:
        return dict(sorted(self.files.items()))
