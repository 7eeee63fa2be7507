"""The guest's minimal root filesystem: what a candidate can see of the host.

Built once per zygote (and once per extra package/command set) in a throwaway fork, as a
mount-namespace template that guests copy: a read-only tmpfs holding the interpreter binary,
copies of a few commands, a handful of device nodes and ``/etc`` files, and read-only bind
mounts of the interpreter's standard library and the directories of the shared libraries it
has loaded (its ``site-packages`` covered by an empty mount). ``pivot_root`` makes it ``/``
and the host's root is detached: the project, the venv, ``/work``, ``/home``, the rest of
``/root`` are not hidden but absent. Runs in the zygote's forks; standard library only.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from .kernel import (
    _CLONE_NEWNS,
    _MS_BIND,
    _MS_NODEV,
    _MS_NOEXEC,
    _MS_NOSUID,
    _MS_PRIVATE,
    _MS_RDONLY,
    _MS_REC,
    _MS_REMOUNT,
    _mount,
    _pivot_root,
    _read_all,
    _setns,
    _umount_detach,
    _unshare,
    _write_all,
)

#: Commands every guest can run: a shell and the tools scripts commonly use, and the Verilog
#: simulator (``iverilog``, ``vvp``, whose libraries are in the bound library directory).
#: Missing ones are skipped; add more with ``Sandbox(commands=...)``.
DEFAULT_COMMANDS: tuple[str, ...] = (
    "sh", "bash", "cat", "head", "tail", "date", "timeout", "echo", "true", "false", "env",
    "ls", "sleep", "sed", "grep", "wc", "sort", "uniq", "tr", "cut", "mkdir", "rm", "cp", "mv",
    "iverilog", "vvp",
)

#: Where allow-listed packages appear in the guest (on its ``sys.path``).
PACKAGES_DIR = "/packages"
_DEVICES = {"null": (1, 3), "zero": (1, 5), "full": (1, 7), "random": (1, 8),
            "urandom": (1, 9)}
_ETC_FILES = ("/etc/ld.so.cache", "/etc/localtime")
_SHARED_DIRS = ("/usr/share/zoneinfo",)   # read by zoneinfo/time; bound when present


def _covered(path: str, dirs: list[str]) -> bool:
    return any(path == d or path.startswith(d.rstrip("/") + "/") for d in dirs)


def _elf_interpreter(path: str) -> str | None:
    """The dynamic loader an ELF executable names (``PT_INTERP``), or ``None``."""
    import struct

    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
            if head[:4] != b"\x7fELF":
                return None
            end = "<" if head[5] == 1 else ">"
            wide = head[4] == 2
            phoff = struct.unpack_from(end + ("Q" if wide else "I"), head, 32 if wide else 28)[0]
            size, count = struct.unpack_from(end + "HH", head, 54 if wide else 42)
            for i in range(count):
                at = phoff + i * size
                if struct.unpack_from(end + "I", head, at)[0] != 3:   # PT_INTERP
                    continue
                fmt, off, filesz = (end + "Q", 8, 32) if wide else (end + "I", 4, 16)
                f.seek(struct.unpack_from(fmt, head, at + off)[0])
                length = struct.unpack_from(fmt, head, at + filesz)[0]
                return f.read(length).rstrip(b"\0").decode()
    except (OSError, struct.error, UnicodeDecodeError):
        return None
    return None


def _mapped_library_dirs(exclude: list[str]) -> list[str]:
    """Directories of the shared objects this process has mapped (libc, libpython, the
    extension modules), outside ``exclude`` (site-packages: never exposed wholesale)."""
    dirs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            fields = line.split(maxsplit=5)
            path = fields[5].strip() if len(fields) == 6 else ""
            if path.startswith("/") and ".so" in os.path.basename(path):
                real = os.path.realpath(path)
                if os.path.isfile(real) and not _covered(real, exclude):
                    dirs.add(os.path.dirname(real))
    return sorted(dirs)


def site_dirs() -> list[str]:
    """Real paths of this interpreter's package directories (never bound as a whole)."""
    import site

    prefixes = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    found = set(site.getsitepackages(prefixes) if hasattr(site, "getsitepackages") else [])
    found |= {p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")}
    return sorted(os.path.realpath(p) for p in found if p)


def _find_package(name: str, search: list[str], sites: list[str],
                  deny: list[str]) -> list[tuple[str, str]]:
    """``(host path, name inside PACKAGES_DIR)`` for an installed top-level package (in one
    of ``sites``), with the ``<name>.libs`` folder of its wheel's vendored libraries when
    there is one. Never the project itself (``deny``: its paths, then its package names),
    whatever a task lists, and nothing from a source checkout on ``sys.path``."""
    from importlib.machinery import PathFinder

    if not name.isidentifier():
        raise ValueError(f"{name!r} is not an importable top-level name")
    spec = PathFinder.find_spec(name, search)
    if spec is None:
        raise ValueError(f"package {name!r} is not installed for the sandbox's interpreter")
    if spec.submodule_search_locations:
        path = os.path.realpath(list(spec.submodule_search_locations)[0])
    elif spec.origin and os.path.isfile(spec.origin):
        path = os.path.realpath(spec.origin)
    else:
        raise ValueError(f"package {name!r} has no files to expose (namespace package?)")
    # a venv inside the checkout (`.venv/`) is under the repository yet holds only installed
    # packages: the project's own paths deny only what does not live in a site directory
    if name in deny or (_covered(path, deny) and not _covered(path, sites)):
        raise ValueError(f"package {name!r} is part of the project ({path}): never exposed")
    if not _covered(path, sites):
        raise ValueError(f"package {name!r} is not installed in site-packages ({path}): "
                         "only installed packages are exposed")
    found = [(path, os.path.basename(path))]
    libs = os.path.join(os.path.dirname(path), name + ".libs")
    if os.path.isdir(libs):
        found.append((os.path.realpath(libs), name + ".libs"))
    return found


class _RootBuilder:
    """Fills a tmpfs at ``root`` (in a private mount namespace) with host paths at the same
    path; symlinks on the way are recreated as symlinks, their targets materialized too."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.bound: list[str] = []     # host directories bound at their own path
        self.masked: list[str] = []

    def directory(self, path: str) -> str:
        """Make ``path`` exist inside the root (as directories and symlinks); return its real
        host path."""
        real = "/"
        for part in path.strip("/").split("/"):
            if part in ("", "."):
                continue
            host = os.path.join(real, part)
            if _covered(host, self.bound):
                return os.path.realpath(path)
            inside = self.root + host
            if os.path.islink(host):
                if not os.path.lexists(inside):
                    os.symlink(os.readlink(host), inside)
                real = self.directory(os.path.realpath(host))
            else:
                if not os.path.lexists(inside):
                    os.mkdir(inside, 0o755)
                real = host
        return real

    def bind(self, path: str) -> None:
        """Bind the host directory ``path`` read-only at the same path."""
        parent = self.directory(os.path.dirname(path.rstrip("/")))
        host = os.path.join(parent, os.path.basename(path.rstrip("/")))
        if os.path.islink(host):
            if not os.path.lexists(self.root + host):
                os.symlink(os.readlink(host), self.root + host)
            return self.bind(os.path.realpath(host))
        if _covered(host, self.bound) or not os.path.isdir(host):
            return None
        os.makedirs(self.root + host, 0o755, exist_ok=True)
        _bind_read_only(host, self.root + host)
        self.bound.append(host)
        return None

    def copy(self, path: str) -> str | None:
        """Copy the host file ``path`` (following symlinks, recreated as symlinks) to the same
        path; return the real path of the file, or ``None`` when there is no such file."""
        if not os.path.isfile(path):
            return None
        parent = self.directory(os.path.dirname(path))
        host = os.path.join(parent, os.path.basename(path))
        inside = self.root + host
        if os.path.islink(host):
            if not os.path.lexists(inside):
                os.symlink(os.readlink(host), inside)
            return self.copy(os.path.realpath(host))
        if not _covered(host, self.bound) and not os.path.lexists(inside):
            import shutil

            shutil.copyfile(host, inside)
            os.chmod(inside, os.stat(host).st_mode & 0o755)
        return host

    def executable(self, path: str) -> None:
        """Copy a program and what starts it: its ELF loader, or its ``#!`` interpreter."""
        real = self.copy(path)
        if real is None:
            return
        loader = _elf_interpreter(real)
        if loader:
            self.copy(loader)
            return
        with open(real, "rb") as f:
            first = f.readline(256)
        if first.startswith(b"#!") and first[2:].split():
            self.executable(first[2:].split()[0].decode("utf-8", "replace"))

    def mask(self, path: str) -> None:
        """Cover a directory inside a bound tree with an empty read-only tmpfs."""
        if not _covered(path, self.bound) or not os.path.isdir(path) or \
                _covered(path, self.masked):
            return
        if _mount("tmpfs", self.root + path, "tmpfs",
                  _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, "size=4k,mode=555"):
            raise OSError(f"cannot cover {path} inside the guest's root")
        self.masked.append(path)


def _bind_read_only(source: str, target: str) -> None:
    if _mount(source, target, None, _MS_BIND):
        raise OSError(f"cannot bind {source} into the guest's root")
    if _mount(None, target, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV):
        raise OSError(f"cannot make {target} read-only")


def _devices(root: str) -> None:
    import stat

    dev = root + "/dev"
    os.makedirs(dev + "/shm", 0o755, exist_ok=True)
    for name, (major, minor) in _DEVICES.items():
        path = f"{dev}/{name}"
        try:
            os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(major, minor))
            os.chmod(path, 0o666)
        except OSError:   # no CAP_MKNOD (some containers): bind the host's node instead
            if not os.path.lexists(path):
                open(path, "w").close()
            if _mount(f"/dev/{name}", path, None, _MS_BIND):
                raise OSError(f"cannot provide /dev/{name} in the guest's root") from None
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dev}/{name}")


def build_root(root: str, options: dict[str, Any], packages: list[str],
               commands: list[str]) -> dict[str, Any]:
    """In the calling process (root; it should be a throwaway fork): enter a new mount
    namespace, build the minimal root on a tmpfs at ``root`` (an empty host directory) and
    ``pivot_root`` into it. Returns what the zygote needs to confine its interpreter."""
    import shutil

    sites = list(options.get("host_sites") or site_dirs())   # the zygote's, before confining
    stdlib = os.path.dirname(os.path.realpath(os.__file__))
    sites += [os.path.join(stdlib, name) for name in ("site-packages", "dist-packages")]
    search = list(options.get("host_path") or sys.path)
    executable = os.path.realpath(sys.executable)
    lib_dirs = _mapped_library_dirs(sites)
    deny = [os.path.realpath(p) for p in options.get("deny", [])]
    deny += list(options.get("deny_names", []))
    package_binds = [found for name in packages
                     for found in _find_package(name, search, sites, deny)]
    if _unshare(_CLONE_NEWNS) or _mount(None, "/", None, _MS_REC | _MS_PRIVATE):
        raise OSError("cannot make a private mount namespace")
    if _mount("tmpfs", root, "tmpfs", _MS_NOSUID, "size=64m,mode=755"):
        raise OSError(f"cannot mount the guest's root tmpfs on {root}")
    b = _RootBuilder(root)
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):   # merged-/usr symlinks
        if os.path.islink("/" + top):
            os.symlink(os.readlink("/" + top), f"{root}/{top}")
    for path in sorted({stdlib, *lib_dirs, *options.get("paths", [])}, key=len):
        b.bind(path)
    for path in _SHARED_DIRS:
        if os.path.isdir(path):
            b.bind(path)
    for path in [*sites, *options.get("deny", [])]:
        b.mask(path)
    b.executable(executable)
    for alias in ("python3", "python"):
        link = f"{root}{os.path.dirname(executable)}/{alias}"
        if not os.path.lexists(link):
            os.symlink(os.path.basename(executable), link)
    for name in commands:
        found = shutil.which(name)
        if found:
            b.executable(found)
    for path in _ETC_FILES:
        b.copy(path)
    _devices(root)
    for path, mode in (("/proc", 0o555), ("/tmp", 0o1777), ("/var/tmp", 0o1777),
                       (PACKAGES_DIR, 0o755)):
        os.makedirs(root + path, exist_ok=True)
        os.chmod(root + path, mode)
    for host, name in package_binds:
        target = f"{root}{PACKAGES_DIR}/{name}"
        if os.path.isdir(host):
            os.mkdir(target, 0o755)
        else:
            open(target, "w").close()
        _bind_read_only(host, target)
    os.chdir(root)
    if _pivot_root(".", ".") or _umount_detach("."):
        raise OSError("pivot_root into the guest's root failed")
    os.chdir("/")
    if _mount(None, "/", None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID):
        raise OSError("cannot make the guest's root read-only")
    return {"visible": b.bound + [os.path.dirname(executable)], "masked": b.masked,
            "executable": executable}


def make_template(staging: str, options: dict[str, Any], packages: list[str],
                  commands: list[str]) -> tuple[int, dict[str, Any] | None, str | None]:
    """Build a root in a throwaway fork; return (fd of its mount namespace or -1, the
    builder's report, the error message)."""
    import json

    os.makedirs(staging, 0o700, exist_ok=True)
    ready_r, ready_w = os.pipe()
    hold_r, hold_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(ready_r)
            os.close(hold_w)
            try:
                report: dict[str, Any] = {"ok": True, **build_root(staging, options, packages,
                                                                    commands)}
            except BaseException as exc:  # noqa: BLE001 - reported to the zygote
                report = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            _write_all(ready_w, json.dumps(report).encode())
            os.close(ready_w)
            os.read(hold_r, 1)   # stay alive until the zygote has opened our namespace
        finally:
            os._exit(0)
    os.close(ready_w)
    os.close(hold_r)
    fd, report, error = -1, None, None
    try:
        data = _read_all(ready_r)
        report = json.loads(data) if data else {"ok": False, "error": "the builder died"}
        if report.get("ok"):
            fd = os.open(f"/proc/{pid}/ns/mnt", os.O_RDONLY)
        else:
            error = str(report.get("error"))
    except (OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    finally:
        os.close(ready_r)
        os.close(hold_w)
        os.waitpid(pid, 0)
        try:
            os.rmdir(staging)   # only ever a mount point inside the builder's namespace
        except OSError:
            pass
    return fd, (report if fd >= 0 else None), error


def check_template(fd: int, uid: int | None, executable: str) -> str | None:
    """Start the interpreter inside a copy of the template, as the sandbox uid: ``None`` when
    it runs and reads its standard library, else what failed."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            if _setns(fd, _CLONE_NEWNS) or _unshare(_CLONE_NEWNS):
                os._exit(2)
            if _mount("tmpfs", "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV, "size=1m,mode=1777"):
                os._exit(3)
            if uid is not None:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
            os.close(0)
            os.open("/dev/null", os.O_RDONLY)
            child = os.fork()
            if child == 0:
                os.execv(executable, [executable, "-S", "-c",
                                          "import fractions, json, os; os.listdir('/tmp')"])
            code = 0 if os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0 else 4
        except BaseException:  # noqa: BLE001
            code = 5
        os._exit(code)
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    reasons = {2: "cannot enter a copy of it", 3: "cannot mount /tmp in it",
               4: "the interpreter does not start in it", 5: "setup failed"}
    return None if status == 0 else f"the minimal root is unusable: {reasons.get(status, status)}"


def confine_interpreter(report: dict[str, Any]) -> None:
    """Make the zygote's interpreter state match what guests can see: ``sys.path`` only where
    the root shows files (plus :data:`PACKAGES_DIR`), no import hooks of the host's
    site-packages, ``sys.executable`` the interpreter in the root."""
    visible, masked = list(report["visible"]), list(report["masked"])

    def shown(path: str) -> bool:
        real = os.path.realpath(path) if path else ""
        return bool(real) and _covered(real, visible) and not _covered(real, masked)

    keep = [p for p in sys.path if shown(p)] + [PACKAGES_DIR]
    for key in list(sys.path_importer_cache):
        if key not in keep:
            del sys.path_importer_cache[key]
    sys.path[:] = keep
    sys.meta_path[:] = [f for f in sys.meta_path if getattr(f, "__module__", "").startswith(
        ("_frozen_importlib", "importlib"))]
    sys.executable = sys._base_executable = report["executable"]  # type: ignore[attr-defined]
    sys.prefix, sys.exec_prefix = sys.base_prefix, sys.base_exec_prefix


def hide_command_line(title: bytes = b"sandbox-zygote") -> None:
    """Overwrite this process's argument area, so that ``/proc/<pid>/cmdline`` of the zygote
    and of every guest forked from it names no host path (the interpreter's venv)."""
    try:
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        start, end = int(fields[45]), int(fields[46])   # arg_start, arg_end (fields 48, 49)
        if end <= start:
            return
        with open("/proc/self/mem", "r+b", buffering=0) as mem:
            mem.seek(start)
            mem.write(title[: end - start - 1].ljust(end - start, b"\0"))
    except (OSError, ValueError, IndexError):
        pass   # cosmetic: the path is unreadable from the root anyway
