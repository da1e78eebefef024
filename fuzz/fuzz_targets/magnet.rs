//! parse_magnet on arbitrary UTF-8: never panics, and what it accepts survives make → parse.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lt_metainfo::{make_magnet, parse_magnet, Magnet};

fuzz_target!(|data: &[u8]| {
    let Ok(uri) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(magnet) = parse_magnet(uri) else {
        return;
    };
    let remade = make_magnet(&magnet);
    let again = match parse_magnet(&remade) {
        Ok(again) => again,
        Err(error) => panic!("{remade:?} (made from {uri:?}) does not parse: {error}"),
    };
    assert_eq!(again.info_hashes, magnet.info_hashes, "{remade:?}");
    assert_eq!(again.name, magnet.name, "{remade:?}");
    assert_eq!(again.trackers, magnet.trackers, "{remade:?}");
    assert_eq!(again.is_i2p, magnet.is_i2p, "{remade:?}");
    assert_eq!(again.url_seeds, magnet.url_seeds, "{remade:?}");
    assert_eq!(again.peers, magnet.peers, "{remade:?}");
    // A DHT host is written escaped but read verbatim, so only the ports must survive.
    let ports = |magnet: &Magnet| {
        magnet
            .dht_nodes
            .iter()
            .map(|(_, port)| *port)
            .collect::<Vec<_>>()
    };
    assert_eq!(ports(&again), ports(&magnet), "{remade:?}");
    // `so=` is written only when some file is not selected.
    if magnet.file_priorities.contains(&Magnet::DONT_DOWNLOAD) {
        assert_eq!(again.file_priorities, magnet.file_priorities, "{remade:?}");
        assert!(again.default_dont_download, "{remade:?}");
    }
    // Apart from the DHT hosts, a second write gives the same URI.
    let (mut first, mut second) = (magnet.clone(), again.clone());
    first.dht_nodes.clear();
    second.dht_nodes.clear();
    assert_eq!(make_magnet(&second), make_magnet(&first));
});
