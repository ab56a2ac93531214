"""File permissions of the warehouse: identifiable files for the registry's owner only.

Source: issue 18 ("File permissions"). Everything under the warehouse is identifiable
(working database, restricted copy, Dagster storage with its event logs, anything unknown)
and gets 0600 files and 0700 folders, or 0640/0750 with the group named by
``AML_REGISTRY_RESTRICTED_GROUP``. Only the analysts' file (``registry.duckdb``), the outcome
report and the data docs are readable as configured: ``AML_REGISTRY_PUBLISHED_MODE`` (octal,
default 0644; folders get the matching execute bits) and optionally the group
``AML_REGISTRY_PUBLISHED_GROUP``. The process umask is 077 (027 with a restricted group)
while the pipeline writes, so nothing is ever created readable by others.
"""

from __future__ import annotations

import contextlib
import grp
import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

RESTRICTED_GROUP_ENV = "AML_REGISTRY_RESTRICTED_GROUP"
PUBLISHED_MODE_ENV = "AML_REGISTRY_PUBLISHED_MODE"
PUBLISHED_GROUP_ENV = "AML_REGISTRY_PUBLISHED_GROUP"
DEFAULT_PUBLISHED_MODE = 0o644
#: Names directly under the warehouse that analysts may read (the rest is restricted).
PUBLISHED_FILES = ("registry.duckdb",)
PUBLISHED_FOLDERS = ("report", "data-docs")
#: The folder of published releases (warehouse.publish): each release holds the three
#: published names above plus its ``release.json``; the top-level names are links into it.
RELEASES_FOLDER = ".releases"
RELEASE_MANIFEST = "release.json"


def _group_id(name: str, variable: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        if name.isdigit():
            return int(name)
        raise ValueError(f"{variable}={name!r}: no such group on this machine") from None


def _folder_mode(file_mode: int) -> int:
    """A folder mode for a file mode: execute (traverse) wherever read is allowed."""
    return file_mode | ((file_mode & 0o444) >> 2)


@dataclass(frozen=True)
class PermissionPolicy:
    """Modes and groups of the restricted and the published files."""

    restricted_gid: int | None = None
    published_file_mode: int = DEFAULT_PUBLISHED_MODE
    published_gid: int | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> PermissionPolicy:
        env = environ if environ is not None else os.environ
        group = env.get(RESTRICTED_GROUP_ENV, "").strip()
        published_group = env.get(PUBLISHED_GROUP_ENV, "").strip()
        mode_text = env.get(PUBLISHED_MODE_ENV, "").strip()
        try:
            mode = int(mode_text, 8) if mode_text else DEFAULT_PUBLISHED_MODE
        except ValueError:
            raise ValueError(f"{PUBLISHED_MODE_ENV}={mode_text!r}: expected an octal file mode "
                             "such as 0644 or 0640") from None
        if mode & ~0o666 or not mode & 0o400:
            raise ValueError(f"{PUBLISHED_MODE_ENV}={mode_text!r}: a file mode with read for "
                             "the owner and no execute or special bits (e.g. 0644, 0640)")
        return cls(_group_id(group, RESTRICTED_GROUP_ENV) if group else None, mode,
                   _group_id(published_group, PUBLISHED_GROUP_ENV) if published_group else None)

    @property
    def restricted_file_mode(self) -> int:
        return 0o640 if self.restricted_gid is not None else 0o600

    @property
    def restricted_folder_mode(self) -> int:
        return _folder_mode(self.restricted_file_mode)

    @property
    def published_folder_mode(self) -> int:
        return _folder_mode(self.published_file_mode)

    @property
    def umask(self) -> int:
        """The process umask while writing: nothing new is readable beyond the restricted
        group."""
        return 0o027 if self.restricted_gid is not None else 0o077


@contextlib.contextmanager
def restricted_umask(policy: PermissionPolicy | None = None) -> Iterator[PermissionPolicy]:
    """Set the process umask of ``policy`` for the block, then restore the previous one."""
    policy = policy or PermissionPolicy.from_environment()
    previous = os.umask(policy.umask)
    try:
        yield policy
    finally:
        os.umask(previous)


def _apply(path: Path, mode: int, gid: int | None) -> None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:  # removed meanwhile (a WAL, a temporary file)
        return
    if stat.S_ISLNK(st.st_mode):
        return  # never follow a link out of the warehouse
    with contextlib.suppress(FileNotFoundError):
        if gid is not None and st.st_gid != gid:
            os.chown(path, -1, gid)
        if stat.S_IMODE(st.st_mode) != mode:
            os.chmod(path, mode)


def secure_tree(root: Path, file_mode: int, folder_mode: int, gid: int | None) -> None:
    """``root`` and everything below it: folders ``folder_mode``, files ``file_mode``."""
    root = Path(root)
    if not root.exists() or root.is_symlink():
        return
    if root.is_file():
        _apply(root, file_mode, gid)
        return
    _apply(root, folder_mode, gid)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            _apply(Path(folder) / name, folder_mode, gid)
        for name in files:
            _apply(Path(folder) / name, file_mode, gid)


def secure_restricted(path: Path, policy: PermissionPolicy | None = None) -> None:
    """An identifiable file or folder (and all below it): 0600/0700 or the restricted group."""
    policy = policy or PermissionPolicy.from_environment()
    secure_tree(Path(path), policy.restricted_file_mode, policy.restricted_folder_mode,
                policy.restricted_gid)


def publish_mode(path: Path, policy: PermissionPolicy | None = None) -> None:
    """Make one file (e.g. the analysts' database before its swap) readable as configured."""
    policy = policy or PermissionPolicy.from_environment()
    _apply(Path(path), policy.published_file_mode, policy.published_gid)


def _secure_folder(folder: Path, published_files: tuple[str, ...], policy: PermissionPolicy,
                   releases_inside: bool) -> None:
    """``folder`` traversable by the published readers; below it the published files and
    folders readable as configured, ``.releases`` (when ``releases_inside``) release by
    release, and everything else restricted. Links are never followed."""
    folder = Path(folder)
    if not folder.is_dir() or folder.is_symlink():
        return
    _apply(folder, policy.published_folder_mode, policy.published_gid)
    for child in folder.iterdir():
        if child.is_symlink():
            continue
        if releases_inside and child.name == RELEASES_FOLDER and child.is_dir():
            _apply(child, policy.published_folder_mode, policy.published_gid)
            for release in child.iterdir():
                if release.is_dir() and not release.is_symlink():
                    secure_release(release, policy)
                else:
                    secure_restricted(release, policy)
        elif child.name in published_files and child.is_file():
            publish_mode(child, policy)
        elif child.name in PUBLISHED_FOLDERS and child.is_dir():
            secure_tree(child, policy.published_file_mode, policy.published_folder_mode,
                        policy.published_gid)
        else:
            secure_restricted(child, policy)


def secure_warehouse(root: Path, policy: PermissionPolicy | None = None) -> None:
    """Every file and folder under the warehouse: the published ones readable as configured,
    all others restricted. The warehouse folder itself can be traversed by the readers of the
    published file (it lists only the names below)."""
    _secure_folder(root, PUBLISHED_FILES, policy or PermissionPolicy.from_environment(), True)


def secure_release(folder: Path, policy: PermissionPolicy | None = None) -> None:
    """One release folder: its database, report and data docs (and ``release.json``) readable
    as configured, anything else in it (a file being built) restricted. Applied before the
    release is swapped in, so the published names are readable from the moment they appear."""
    _secure_folder(folder, (*PUBLISHED_FILES, RELEASE_MANIFEST),
                   policy or PermissionPolicy.from_environment(), False)
