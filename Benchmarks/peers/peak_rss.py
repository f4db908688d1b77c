"""Peak resident memory of the calling process (VmHWM), shared by the Python peers."""


def vmhwm_kb() -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    return -1
