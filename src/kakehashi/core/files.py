"""Writing an output file whole or not at all.

``write_whole`` writes into a hidden temporary file beside the target, flushes it to the disk and renames it over
the target: a full disk, a file size limit or a crash leaves the target as it was (absent, or the previous file)
and no partial file behind. ``failure_message`` says in Japanese why a write failed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from django.utils.translation import gettext as _

# ENOSPC: the disk is full; EDQUOT: the user's quota; EFBIG: a file size limit (RLIMIT_FSIZE) or the file system's.
DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def write_whole(path: Path, content: bytes | str) -> None:
    """Write ``content`` (str as UTF-8) to ``path`` atomically; raises OSError, leaving nothing new behind."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    directory = path.parent
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp's file is its owner's only; the target gets the mode a new file would (the umask's).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):  # the rename itself made durable; not every file system allows it
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def failure_message(path: Path | str, error: OSError) -> str:
    """Why ``path`` could not be written, in Japanese; nothing was written."""
    if error.errno in DISK_FULL:
        return _("ディスクの空きが足りないため、「%(file)s」を書き出せませんでした。ファイルは作成・変更していません。"
                 "空きを作ってから、もう一度実行してください。") % {"file": path}
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return _("「%(file)s」に書き込む権限がありません。ファイルは作成・変更していません。") % {"file": path}
    if error.errno == errno.ENOENT:
        return _("「%(file)s」のフォルダーがありません。ファイルは作成・変更していません。") % {"file": path}
    if error.errno == errno.EISDIR:
        return _("「%(file)s」はフォルダーです。ファイル名を指定してください。") % {"file": path}
    return _("「%(file)s」に書き込めません（%(error)s）。ファイルは作成・変更していません。") % {
        "file": path, "error": error.strerror or type(error).__name__}
