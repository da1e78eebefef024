// The libtorrent side of `cargo xtask bench bdecode`: times libtorrent's bdecode and torrent_info
// on the same inputs, the same way, as `benches/src/bin/bdecode.rs` does for lt.
//
//   bdecode_anchor BIG_FILE ITERS MESSAGES_FILE MSG_ITERS TORRENT_INFO_ITERS
//
// BIG_FILE is decoded whole ITERS times (bdecode_big). MESSAGES_FILE holds small messages, each
// a 4-byte big-endian length and that many bytes; each iteration decodes all of them, once into
// one reused bdecode_node (bdecode_msgs_reused, the overload libtorrent's DHT uses) and once into
// a fresh node per message (bdecode_msgs_fresh). BIG_FILE is then loaded into a torrent_info
// TORRENT_INFO_ITERS times (torrent_info). Each timed loop follows one untimed warm-up run
// (none for torrent_info, which is slow), each iteration is timed alone with steady_clock, and
// every result is printed as
//
//   bench NAME bytes=B items=I iters=K median_s=S best_s=S
//
// Build (cargo xtask bench bdecode does this):
//   g++ -O2 -std=c++17 bdecode_anchor.cpp -o bdecode_anchor $(pkg-config --cflags --libs libtorrent-rasterbar)
#include <libtorrent/bdecode.hpp>
#include <libtorrent/load_torrent.hpp>
#include <libtorrent/torrent_info.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

constexpr int depth_limit = 100;
constexpr int token_limit = 10000000;

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

std::vector<char> read_file(char const* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot open %s\n", path);
    std::exit(2);
  }
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct message {
  char const* begin;
  char const* end;
};

std::vector<message> split_messages(std::vector<char> const& file) {
  std::vector<message> out;
  std::size_t at = 0;
  while (at < file.size()) {
    if (file.size() - at < 4) {
      std::fprintf(stderr, "truncated length prefix in messages file\n");
      std::exit(2);
    }
    auto const* prefix = reinterpret_cast<unsigned char const*>(file.data() + at);
    std::size_t const length = (std::size_t(prefix[0]) << 24) | (std::size_t(prefix[1]) << 16) |
                               (std::size_t(prefix[2]) << 8) | std::size_t(prefix[3]);
    at += 4;
    if (file.size() - at < length) {
      std::fprintf(stderr, "message runs past the end of the messages file\n");
      std::exit(2);
    }
    out.push_back({file.data() + at, file.data() + at + length});
    at += length;
  }
  return out;
}

void report(char const* name, std::uint64_t bytes, std::uint64_t items, std::vector<double> samples) {
  if (samples.empty()) return;
  std::sort(samples.begin(), samples.end());
  std::size_t const n = samples.size();
  double const median = n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  std::printf("bench %s bytes=%llu items=%llu iters=%zu median_s=%.9f best_s=%.9f\n", name,
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(items), n,
              median, samples.front());
  std::printf("  %s: %.1f MB/s, %.1f items/s (%.3f ms median)\n", name, bytes / median / 1e6,
              items / median, median * 1e3);
}

void fail(char const* what, lt::error_code const& ec, int pos) {
  std::fprintf(stderr, "%s: %s at byte %d\n", what, ec.message().c_str(), pos);
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr,
                 "usage: %s BIG_FILE ITERS MESSAGES_FILE MSG_ITERS TORRENT_INFO_ITERS\n", argv[0]);
    return 2;
  }
  std::vector<char> const big = read_file(argv[1]);
  int const iterations = std::atoi(argv[2]);
  std::vector<char> const message_file = read_file(argv[3]);
  std::vector<message> const messages = split_messages(message_file);
  int const message_iterations = std::atoi(argv[4]);
  int const torrent_info_iterations = std::atoi(argv[5]);
  std::uint64_t sink = 0;

  {
    std::vector<double> samples;
    for (int i = 0; i <= iterations; ++i) {
      lt::error_code ec;
      int pos = 0;
      auto const start = clock_type::now();
      lt::bdecode_node node = lt::bdecode(lt::span<char const>(big.data(), big.size()), ec, &pos,
                                          depth_limit, token_limit);
      double const seconds = seconds_since(start);
      if (ec) fail("bdecode big file", ec, pos);
      sink += static_cast<std::uint64_t>(node.type());
      if (i > 0) samples.push_back(seconds);
    }  // the node is freed here, outside the timed region
    report("bdecode_big", big.size(), 1, samples);
  }

  std::uint64_t message_bytes = 0;
  for (auto const& m : messages) message_bytes += static_cast<std::uint64_t>(m.end - m.begin);

  {
    std::vector<double> samples;
    lt::bdecode_node node;
    for (int i = 0; i <= message_iterations; ++i) {
      auto const start = clock_type::now();
      for (auto const& m : messages) {
        lt::error_code ec;
        int pos = 0;
        if (lt::bdecode(m.begin, m.end, node, ec, &pos, depth_limit, token_limit) != 0)
          fail("bdecode message", ec, pos);
        sink += static_cast<std::uint64_t>(node.type());
      }
      if (i > 0) samples.push_back(seconds_since(start));
    }
    report("bdecode_msgs_reused", message_bytes, messages.size(), samples);
  }

  {
    std::vector<double> samples;
    for (int i = 0; i <= message_iterations; ++i) {
      auto const start = clock_type::now();
      for (auto const& m : messages) {
        lt::error_code ec;
        int pos = 0;
        lt::bdecode_node node =
            lt::bdecode(lt::span<char const>(m.begin, m.end - m.begin), ec, &pos, depth_limit,
                        token_limit);
        if (ec) fail("bdecode message", ec, pos);
        sink += static_cast<std::uint64_t>(node.type());
      }
      if (i > 0) samples.push_back(seconds_since(start));
    }
    report("bdecode_msgs_fresh", message_bytes, messages.size(), samples);
  }

  if (torrent_info_iterations > 0) {
    lt::load_torrent_limits limits;
    limits.max_buffer_size = 100000000;
    limits.max_pieces = 0x200000;
    limits.max_decode_tokens = 10000000;
    std::vector<double> samples;
    try {
      for (int i = 0; i < torrent_info_iterations; ++i) {
        auto const start = clock_type::now();
        double seconds = 0;
        {
          lt::torrent_info info(lt::span<char const>(big.data(), big.size()), limits,
                                lt::from_span);
          seconds = seconds_since(start);
          sink += static_cast<std::uint64_t>(info.num_files());
        }
        samples.push_back(seconds);
      }
    } catch (std::exception const& e) {
      std::fprintf(stderr, "torrent_info: %s\n", e.what());
      return 1;
    }
    report("torrent_info", big.size(), 1, samples);
  }

  std::fprintf(stderr, "(sink %llu)\n", static_cast<unsigned long long>(sink));
  return 0;
}
