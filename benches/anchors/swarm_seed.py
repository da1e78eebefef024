#!/usr/bin/env python3
"""The seeder of `cargo xtask bench swarm`: libtorrent (Python binding) seeding one torrent on
127.0.0.1, TCP only.

    swarm_seed.py TORRENT SAVE_DIR

SAVE_DIR must hold the torrent's complete data. The seeder listens on an ephemeral port of
127.0.0.1, checks the data (no seed mode, so no piece is hashed while a download is measured),
and once the torrent is seeding prints one line to stdout:

    seeding port=PORT

It then answers each `stats` line on stdin with `uploaded=BYTES` (payload sent since it started)
and exits when stdin closes, so it never outlives the benchmark that started it.
"""
import sys
import time
import warnings

warnings.simplefilter('ignore')
import libtorrent as lt  # noqa: E402

CHECK_TIMEOUT_S = 600


def session():
    return lt.session({
        'listen_interfaces': '127.0.0.1:0',
        'enable_dht': False,
        'enable_lsd': False,
        'enable_upnp': False,
        'enable_natpmp': False,
        'enable_outgoing_utp': False,
        'enable_incoming_utp': False,
        'allow_multiple_connections_per_ip': True,
        'alert_mask': 0,
        # A seeder that keeps its socket full: the downloader is what is measured. The low
        # watermark too: by default libtorrent sizes a peer's send buffer by its upload rate,
        # which starts at 0 and is measured once a second, so every download spent its first
        # half second at about 130 MB/s.
        'send_buffer_watermark': 8 << 20,
        'send_buffer_low_watermark': 8 << 20,
        'max_queued_disk_bytes': 64 << 20,
        'unchoke_slots_limit': -1,
        'connections_limit': 500,
    })


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    torrent, save_dir = sys.argv[1:3]
    s = session()
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(torrent)
    atp.save_path = save_dir
    tf = lt.torrent_flags
    atp.flags &= ~(tf.auto_managed | tf.paused | tf.seed_mode)
    atp.flags |= tf.disable_dht | tf.disable_lsd | tf.disable_pex
    h = s.add_torrent(atp)
    start = time.monotonic()
    while True:
        st = h.status()
        if st.errc.value() != 0:
            sys.exit(f'swarm_seed.py: {st.errc.message()}')
        if st.is_seeding and s.listen_port() != 0:
            break
        if time.monotonic() - start > CHECK_TIMEOUT_S:
            sys.exit(f'swarm_seed.py: not seeding after {CHECK_TIMEOUT_S} s ({st.state})')
        time.sleep(0.05)
    print(f'seeding port={s.listen_port()}', flush=True)
    for line in sys.stdin:
        if line.strip() == 'stats':
            print(f'uploaded={h.status().total_payload_upload}', flush=True)


if __name__ == '__main__':
    main()
