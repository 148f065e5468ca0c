# The WAN suite's latency and loss: a userspace packet delayer on a TUN device (this kernel has no netem).
#
# Contract: the router namespace routes every packet that arrives from a link into the TUN device; this
# program reads each IP packet, holds it for a constant one-way delay, optionally drops it with a given
# probability, and writes it back into the TUN, where the kernel routes it on to its link. One constant delay
# and one FIFO keep every flow's packets in order (TCP sees a plain long link, not reordering). The queue is
# bounded in bytes: past it, packets are tail-dropped, as a router's full buffer would. Stops on SIGTERM and
# prints its counters as one JSON line on stderr.
import argparse
import collections
import fcntl
import json
import os
import random
import select
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
# Largest IP packet a TUN hands over (its MTU is far below this).
READ_SIZE = 65536
# Packets read in one go before due packets are written again: bounds how late a due packet can leave.
READ_BATCH = 64


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument('--dev', required=True)
    p.add_argument('--delay-ms', type=float, required=True)
    p.add_argument('--loss', type=float, default=0.0, help='probability of dropping a packet, 0..1')
    p.add_argument('--queue-bytes', type=int, default=16 * 1024 * 1024)
    p.add_argument('--seed', type=int, default=20)
    a = p.parse_args()

    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', a.dev.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    rng = random.Random(a.seed)
    delay = a.delay_ms / 1000.0
    fifo: collections.deque = collections.deque()
    stats = {'packets': 0, 'bytes': 0, 'lost': 0, 'overflow': 0, 'maxQueued': 0}

    def stop(_sig: int, _frame: object) -> None:
        # Raised out of select() (which the runtime would otherwise resume after the handler).
        raise Stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print('ready', flush=True)

    try:
        run(fd, a.loss, a.queue_bytes, delay, rng, fifo, stats)
    except Stop:
        pass
    sys.stderr.write(json.dumps(stats) + '\n')


class Stop(Exception):
    pass


def run(fd: int, loss: float, queue_bytes: int, delay: float, rng: random.Random, fifo: collections.deque, stats: dict) -> None:
    queued = 0
    while True:
        now = time.monotonic()
        timeout = None if not fifo else max(0.0, fifo[0][0] - now)
        try:
            readable, _, _ = select.select([fd], [], [], timeout)
        except InterruptedError:
            continue
        if readable:
            now = time.monotonic()
            for _ in range(READ_BATCH):
                try:
                    pkt = os.read(fd, READ_SIZE)
                except BlockingIOError:
                    break
                stats['packets'] += 1
                stats['bytes'] += len(pkt)
                if loss > 0 and rng.random() < loss:
                    stats['lost'] += 1
                    continue
                if queued + len(pkt) > queue_bytes:
                    stats['overflow'] += 1
                    continue
                fifo.append((now + delay, pkt))
                queued += len(pkt)
            if queued > stats['maxQueued']:
                stats['maxQueued'] = queued
        now = time.monotonic()
        while fifo and fifo[0][0] <= now:
            _, pkt = fifo.popleft()
            queued -= len(pkt)
            try:
                os.write(fd, pkt)
            except OSError:
                # A packet the kernel refuses (e.g. no route any more while tearing down) is simply lost.
                pass


if __name__ == '__main__':
    main()
