"""What the benchmarks print about the machine they ran on (imported by the bench scripts beside it)."""

import os
import platform
import re
from pathlib import Path


def describe() -> str:
    """'AMD EPYC …, 2 CPUs, 24 GiB RAM, Linux 6.1, Python 3.11.7'."""
    cpu = platform.processor() or platform.machine()
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = found.group(1).strip() if found else cpu
    except OSError:
        pass
    mem = ""
    try:
        found = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
        mem = f", {int(found.group(1)) / 1024 / 1024:.0f} GiB RAM" if found else ""
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} CPUs{mem}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")
