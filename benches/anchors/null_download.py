#!/usr/bin/env python3
"""The ceiling of `cargo xtask bench swarm`: a downloader that does no work.

    null_download.py TORRENT HOST:PORT

It speaks just enough of the peer wire protocol (BEP 3) to pull every block of the torrent from
one seeder over TCP: handshake, interested, then 500 requests kept in flight, topped up 32 at a
time. Payload is read into a reused buffer and dropped: no hashing, no disk. Its time is what
the seeder and the loopback can deliver to one connection on this machine, so no downloader can
finish much sooner; the benchmark prints it next to lt and libtorrent. libtorrent's Python
binding reads the torrent (info-hash, sizes). Exits 0 once every block arrived.
"""
import socket
import struct
import sys
import warnings

warnings.simplefilter('ignore')
import libtorrent as lt  # noqa: E402

BLOCK = 16384
QUEUE = 500
BATCH = 32
BUFFER = 8 << 20


def blocks(info):
    """Every (piece, offset, length) request of the torrent, in order."""
    size, length = info.total_size(), info.piece_length()
    for piece in range(info.num_pieces()):
        piece_size = min(length, size - piece * length)
        for offset in range(0, piece_size, BLOCK):
            yield piece, offset, min(BLOCK, piece_size - offset)


def main():
    torrent, peer = sys.argv[1:3]
    host, port = peer.rsplit(':', 1)
    info = lt.torrent_info(torrent)
    info_hash = bytes.fromhex(str(info.info_hashes().v1))
    wanted = list(blocks(info))

    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(b'\x13BitTorrent protocol' + bytes(8) + info_hash + b'-NL0001-000000000000')
    sock.sendall(struct.pack('>IB', 1, 2))  # interested

    buffer = bytearray(BUFFER)
    view = memoryview(buffer)
    start = end = 0
    handshake = 68
    sent = received = 0

    def request(count):
        nonlocal sent
        batch = wanted[sent:sent + count]
        sent += len(batch)
        if batch:
            sock.sendall(b''.join(struct.pack('>IBIII', 13, 6, *block) for block in batch))

    while received < len(wanted):
        if end == BUFFER:
            view[:end - start] = view[start:end]
            start, end = 0, end - start
        count = sock.recv_into(view[end:])
        if count == 0:
            sys.exit(f'the seeder closed the connection after {received} blocks')
        end += count
        if handshake:
            if end - start < handshake:
                continue
            start += handshake
            handshake = 0
        while end - start >= 4:
            (length,) = struct.unpack_from('>I', buffer, start)
            if end - start < 4 + length:
                if 4 + length > BUFFER:
                    sys.exit(f'a {length}-byte message does not fit the buffer')
                break
            if length:
                message = buffer[start + 4]
                if message == 1:  # unchoke
                    request(QUEUE - (sent - received))
                elif message == 7:  # piece
                    received += 1
                    if sent - received <= QUEUE - BATCH:
                        request(BATCH)
            start += 4 + length
    sock.close()


if __name__ == '__main__':
    main()
