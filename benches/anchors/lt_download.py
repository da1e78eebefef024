#!/usr/bin/env python3
"""libtorrent as the reference downloader of `cargo xtask bench swarm`, one process per download:

    lt_download.py TORRENT SAVE_DIR HOST:PORT [HOST:PORT ...]

A fresh session (TCP only; no DHT, LSD, UPnP, NAT-PMP, uTP; libtorrent's defaults otherwise)
adds the torrent, connects to every peer given, and waits until the torrent is seeding (every
piece passed its hash check). Deleting the session waits for the disk threads and closes the
files, so the process ends once the data is written, like `lt download`. Exits 1 when no payload
arrives for STALL_TIMEOUT_S seconds.
"""
import sys
import time
import warnings

warnings.simplefilter('ignore')
import libtorrent as lt  # noqa: E402

STALL_TIMEOUT_S = 60


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    torrent, save_dir, peers = sys.argv[1], sys.argv[2], sys.argv[3:]
    s = lt.session({
        'listen_interfaces': '127.0.0.1:0',
        'enable_dht': False,
        'enable_lsd': False,
        'enable_upnp': False,
        'enable_natpmp': False,
        'enable_outgoing_utp': False,
        'enable_incoming_utp': False,
        # Every seeder is 127.0.0.1; without this libtorrent keeps only one of them.
        'allow_multiple_connections_per_ip': True,
        'alert_mask': 0,
    })
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(torrent)
    atp.save_path = save_dir
    tf = lt.torrent_flags
    atp.flags &= ~(tf.auto_managed | tf.paused)
    atp.flags |= tf.disable_dht | tf.disable_lsd | tf.disable_pex
    h = s.add_torrent(atp)
    for peer in peers:
        host, port = peer.rsplit(':', 1)
        h.connect_peer((host, int(port)))
    last = (0, time.monotonic())
    while True:
        st = h.status()
        if st.is_seeding:
            break
        if st.errc.value() != 0:
            sys.exit(f'lt_download.py: {st.errc.message()}')
        if st.total_payload_download != last[0]:
            last = (st.total_payload_download, time.monotonic())
        elif time.monotonic() - last[1] > STALL_TIMEOUT_S:
            sys.exit(f'lt_download.py: no payload for {STALL_TIMEOUT_S} s ({st.num_peers} peers)')
        time.sleep(0.02)
    del h
    del s


if __name__ == '__main__':
    main()
